package state

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// store is the bucket as the service uses it: raw last-message reads that see deletion markers'
// revisions, and atomic batches.
type store struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	kv     jetstream.KeyValue
	stream jetstream.Stream
	bucket string
	pre    string // "$KV.bucket."
	batch  atomic.Uint64
}

// openStore creates or binds the bucket and makes sure its stream allows atomic batches and
// per-message TTLs and reads from the stream leader (no direct gets from lagging replicas).
func openStore(ctx context.Context, nc *nats.Conn, js jetstream.JetStream, c *Config) (*store, error) {
	name := "KV_" + c.Bucket
	st, err := js.Stream(ctx, name)
	if errors.Is(err, jetstream.ErrStreamNotFound) {
		_, err = js.CreateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket: c.Bucket, Description: "harp shared state", History: 1, Replicas: c.Replicas,
			Storage: jetstream.FileStorage, LimitMarkerTTL: c.TTL, MaxValueSize: int32(c.MaxValueSize + 1024),
		})
		if err != nil && !errors.Is(err, jetstream.ErrBucketExists) {
			return nil, fmt.Errorf("state: create bucket %s: %w", c.Bucket, err)
		}
		st, err = js.Stream(ctx, name)
	}
	if err != nil {
		return nil, fmt.Errorf("state: bucket %s: %w", c.Bucket, err)
	}
	cfg := st.CachedInfo().Config
	if !cfg.AllowAtomicPublish || cfg.AllowDirect || !cfg.AllowMsgTTL {
		cfg.AllowAtomicPublish, cfg.AllowDirect, cfg.AllowMsgTTL = true, false, true
		if cfg.SubjectDeleteMarkerTTL == 0 {
			cfg.SubjectDeleteMarkerTTL = c.TTL
		}
		if st, err = js.UpdateStream(ctx, cfg); err != nil {
			return nil, fmt.Errorf("state: allow atomic batches on %s: %w", name, err)
		}
	}
	kv, err := js.KeyValue(ctx, c.Bucket)
	if err != nil {
		return nil, fmt.Errorf("state: bucket %s: %w", c.Bucket, err)
	}
	return &store{nc: nc, js: js, kv: kv, stream: st, bucket: c.Bucket, pre: "$KV." + c.Bucket + "."}, nil
}

// entry is the last message of one subject.
type entry struct {
	exists bool   // a value, not a deletion marker or nothing
	value  []byte // the value when exists
	rev    uint64 // the subject's last sequence: what a compare-and-set expects; 0 when none
	ttl    bool   // the value expires
}

// last reads the last message of key's subject from the stream leader.
func (s *store) last(ctx context.Context, key string) (entry, error) {
	m, err := s.stream.GetLastMsgForSubject(ctx, s.pre+key)
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return entry{}, nil
	}
	if err != nil {
		return entry{}, fmt.Errorf("state: read %s: %w", key, err)
	}
	e := entry{rev: m.Sequence, exists: true, value: m.Data}
	if m.Header.Get("KV-Operation") != "" || m.Header.Get(jetstream.MarkerReasonHeader) != "" {
		e.exists, e.value = false, nil
	}
	e.ttl = m.Header.Get(jetstream.MsgTTLHeader) != ""
	return e, nil
}

// msg is one message of an atomic batch.
type msg struct {
	key       string        // subject below the bucket's prefix
	data      []byte        // nil with del
	del       bool          // a deletion marker
	expect    *uint64       // expected last sequence of expectKey (of key when expectKey is "")
	expectSub string        // full subject whose last sequence is expected, "" for the message's own
	ttl       time.Duration // per-message TTL, 0 for none
}

// errRefused is a batch the store refused as a whole: nothing of it was applied.
type refusedError struct{ apiErr *jetstream.APIError }

func (e *refusedError) Error() string { return "state: batch refused: " + e.apiErr.Error() }
func (e *refusedError) Unwrap() error { return e.apiErr }

// errUncertain is a batch whose commit was not confirmed: it may or may not have been applied.
type uncertainError struct{ err error }

func (e *uncertainError) Error() string { return "state: batch not confirmed: " + e.err.Error() }
func (e *uncertainError) Unwrap() error { return e.err }

// commit publishes msgs as one atomic batch and returns the sequence of its last message (the
// batch's sequences are consecutive). A *refusedError means nothing was applied; any other error
// (an *uncertainError) that it may have been.
func (s *store) commit(ctx context.Context, msgs []msg) (uint64, error) {
	id := nuid.Next()
	for i, m := range msgs {
		nm := &nats.Msg{Subject: s.pre + m.key, Data: m.data, Header: nats.Header{}}
		nm.Header.Set("Nats-Batch-Id", id)
		nm.Header.Set("Nats-Batch-Sequence", strconv.Itoa(i+1))
		if m.del {
			nm.Header.Set("KV-Operation", "DEL")
		}
		if m.expect != nil {
			nm.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(*m.expect, 10))
			if m.expectSub != "" {
				nm.Header.Set(jetstream.ExpectedLastSubjSeqSubjHeader, m.expectSub)
			}
		}
		if m.ttl > 0 {
			nm.Header.Set(jetstream.MsgTTLHeader, strconv.FormatInt(int64(m.ttl/time.Second), 10)+"s")
		}
		if i < len(msgs)-1 {
			if err := s.nc.PublishMsg(nm); err != nil {
				return 0, &refusedError{apiErr: &jetstream.APIError{Description: "publish: " + err.Error()}}
			}
			continue
		}
		nm.Header.Set("Nats-Batch-Commit", "1")
		resp, err := s.nc.RequestMsgWithContext(ctx, nm)
		if err != nil {
			if errors.Is(err, nats.ErrNoResponders) {
				return 0, &refusedError{apiErr: &jetstream.APIError{Description: "no responders"}}
			}
			return 0, &uncertainError{err: err}
		}
		var ack struct {
			Seq   uint64              `json:"seq"`
			Count int                 `json:"count"`
			Error *jetstream.APIError `json:"error"`
		}
		if err := json.Unmarshal(resp.Data, &ack); err != nil {
			return 0, &uncertainError{err: fmt.Errorf("ack %q: %w", truncate(resp.Data), err)}
		}
		if ack.Error != nil {
			return 0, &refusedError{apiErr: ack.Error}
		}
		if ack.Count != len(msgs) {
			return 0, &uncertainError{err: fmt.Errorf("ack for %d messages, sent %d", ack.Count, len(msgs))}
		}
		return ack.Seq, nil
	}
	return 0, errors.New("state: empty batch")
}

func truncate(b []byte) string {
	s := string(b)
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return strings.ToValidUTF8(s, "?")
}
