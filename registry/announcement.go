package registry

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"strings"
	"time"

	"github.com/harp-rpc/harp/cluster"
	"github.com/harp-rpc/harp/internal/kvbucket"
)

// Roles an announcement may carry; "" is a service without master/standby.
const (
	RoleMaster  = "master"
	RoleStandby = "standby"
)

// Announcement is one server instance as the registry holds it.
type Announcement struct {
	// Service names the service the instance serves ([A-Za-z0-9_-]+).
	Service string `json:"service"`
	// ID names the instance, unique within the service ([A-Za-z0-9_-]+); "" lets Announce pick
	// one from the host name, the process id and random bytes.
	ID string `json:"id"`
	// URL is where callers reach the instance.
	URL string `json:"url"`
	// Protocol is the wire format the URL speaks: "xmlrpc", "jsonrpc", or "" for both.
	Protocol string `json:"protocol,omitempty"`
	// Weight is the instance's share of calls for weighted policies; 0 means 1.
	Weight int `json:"weight,omitempty"`
	// Zone names the instance's zone or rack.
	Zone string `json:"zone,omitempty"`
	// Metadata carries free-form labels.
	Metadata map[string]string `json:"metadata,omitempty"`
	// Role is RoleMaster, RoleStandby or "".
	Role string `json:"role,omitempty"`
	// Term is the master's election term (its fencing token, see package election), 0 when
	// unknown. Of several entries claiming RoleMaster, a watcher routes only to those of the
	// highest term: the others are masters that lost their lease and have not yet noticed or
	// expired (frozen, cut off).
	Term uint64 `json:"term,omitempty"`
	// Started is when the instance first announced itself.
	Started time.Time `json:"started"`
	// Beat is when the announcement was last renewed.
	Beat time.Time `json:"beat"`
	// Revision is the store's revision of this version of the entry (not encoded).
	Revision uint64 `json:"-"`
}

// Key returns the announcement's key in the bucket: "service.id".
func (a *Announcement) Key() string { return a.Service + "." + a.ID }

// Endpoint returns the announcement as a cluster endpoint: URL, weight, zone and metadata,
// with the service, id, protocol and role added to the metadata under "service", "id",
// "protocol" and "role".
func (a *Announcement) Endpoint() cluster.Endpoint {
	md := make(map[string]string, len(a.Metadata)+4)
	maps.Copy(md, a.Metadata)
	md["service"], md["id"] = a.Service, a.ID
	if a.Protocol != "" {
		md["protocol"] = a.Protocol
	}
	if a.Role != "" {
		md["role"] = a.Role
	}
	if a.Term != 0 {
		md["term"] = fmt.Sprint(a.Term)
	}
	return cluster.Endpoint{URL: a.URL, Weight: a.Weight, Zone: a.Zone, Metadata: md}
}

// check reports what makes a unpublishable.
func (a *Announcement) check() error {
	switch {
	case !kvbucket.ValidName(a.Service):
		return fmt.Errorf("%w: service %q is not [A-Za-z0-9_-]+", ErrInvalidAnnouncement, a.Service)
	case !kvbucket.ValidName(a.ID):
		return fmt.Errorf("%w: id %q is not [A-Za-z0-9_-]+", ErrInvalidAnnouncement, a.ID)
	case a.URL == "":
		return fmt.Errorf("%w: no URL", ErrInvalidAnnouncement)
	case a.Weight < 0:
		return fmt.Errorf("%w: negative weight", ErrInvalidAnnouncement)
	}
	switch a.Protocol {
	case "", "xmlrpc", "jsonrpc":
	default:
		return fmt.Errorf("%w: protocol %q is not xmlrpc or jsonrpc", ErrInvalidAnnouncement, a.Protocol)
	}
	return nil
}

// encode returns a's JSON, refusing one over max bytes.
func (a *Announcement) encode(max int) ([]byte, error) {
	b, err := json.Marshal(a)
	if err != nil {
		return nil, fmt.Errorf("registry: encode %s: %w", a.Key(), err)
	}
	if len(b) > max {
		return nil, fmt.Errorf("%w: %d bytes encoded, over the %d-byte limit", ErrInvalidAnnouncement, len(b), max)
	}
	return b, nil
}

// decode parses an entry's value; the key's revision is set by the caller.
func decode(b []byte) (*Announcement, error) {
	a := new(Announcement)
	if err := json.Unmarshal(b, a); err != nil {
		return nil, fmt.Errorf("registry: decode entry: %w", err)
	}
	return a, nil
}

func (a *Announcement) clone() *Announcement {
	c := *a
	c.Metadata = maps.Clone(a.Metadata)
	return &c
}

// NewID returns an instance id from the host name, the process id and four random bytes,
// reduced to [A-Za-z0-9_-].
func NewID() string {
	host, _ := os.Hostname()
	host = strings.Map(func(r rune) rune {
		if r < 128 && kvbucket.ValidName(string(r)) {
			return r
		}
		return '-'
	}, host)
	if len(host) > 40 {
		host = host[:40]
	}
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return fmt.Sprintf("%s-%d-%s", host, os.Getpid(), hex.EncodeToString(b[:]))
}
