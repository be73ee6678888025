package fleet_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/harp-rpc/harp/fleet"
)

const goodFile = `defaults:
  username: admin
  password: pw
  timeout: 3s
hosts:
  web1:
    url: http://10.0.0.1:9001/RPC2
  web2:
    url: unix:///run/supervisor.sock
    username: other
    password: other-pw
    health: http://10.0.0.2:8080/healthz
  db1:
    url: https://db1:9001/RPC2
    timeout: 1m
groups:
  web: [web1, web2]
  db: [db1]
`

func TestParseGood(t *testing.T) {
	fl, err := fleet.Parse("f.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, h := range fl.Hosts {
		names = append(names, h.Name)
	}
	if strings.Join(names, ",") != "web1,web2,db1" {
		t.Errorf("hosts in order: %v", names)
	}
	w1, w2, db := fl.Hosts[0], fl.Hosts[1], fl.Hosts[2]
	if w1.Username != "admin" || w1.Password != "pw" || w1.Timeout.String() != "3s" || w1.Line != 6 {
		t.Errorf("web1 = %+v", w1)
	}
	if w2.Username != "other" || w2.Health == "" || w2.Hostname() != "localhost" || db.Timeout.String() != "1m0s" || db.Hostname() != "db1" {
		t.Errorf("web2 = %+v, db1 = %+v", w2, db)
	}
	if len(fl.Groups["web"]) != 2 || w1.Groups[0] != "web" {
		t.Errorf("groups = %+v", fl.Groups)
	}
}

func TestParseErrorsHaveLineAndColumn(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"unknown top key", "hosts:\n  a:\n    url: http://a/\nhostz: 1\n", `f.yaml:4:1: unknown key "hostz"`},
		{"unknown host key", "hosts:\n  a:\n    url: http://a/\n    pasword: x\n", `f.yaml:4:5: unknown key "pasword"`},
		{"no url", "hosts:\n  a:\n    username: u\n", `f.yaml:2:3: host "a": no url`},
		{"bad scheme", "hosts:\n  a:\n    url: ftp://a/\n", `f.yaml:3:10: url "ftp://a/": want http://`},
		{"bad timeout", "hosts:\n  a:\n    url: http://a/\n    timeout: soon\n", `f.yaml:4:14: timeout: want a positive duration`},
		{"unknown member", "hosts:\n  a:\n    url: http://a/\ngroups:\n  g: [a, b]\n", `f.yaml:5:10: group "g": no host "b"`},
		{"duplicate host", "hosts:\n  a:\n    url: http://a/\n  a:\n    url: http://b/\n", `f.yaml:4:3: host "a" given twice`},
		{"group named as host", "hosts:\n  a:\n    url: http://a/\ngroups:\n  a: [a]\n", `f.yaml:5:3: group "a" has the name of a host`},
		{"unset env", "hosts:\n  a:\n    url: http://a/\n    password_env: FLEET_NOT_SET_X\n", `f.yaml:4:19: password_env: the variable FLEET_NOT_SET_X is not set`},
		{"not a mapping", "- a\n", `f.yaml:1:1: a fleet file is a mapping`},
		{"syntax", "hosts:\n  a: [\n", `f.yaml:2:3: did not find`},
		{"tab", "hosts:\n\ta:\n", `f.yaml:2:1: found character`},
		{"no hosts", "groups: {}\n", `f.yaml:1:1: no hosts`},
	} {
		_, err := fleet.Parse("f.yaml", []byte(tc.in))
		var fe *fleet.FileError
		if err == nil || !errors.As(err, &fe) || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want prefix %q", tc.name, err, tc.want)
		}
	}
}

func TestParseReportsEveryError(t *testing.T) {
	_, err := fleet.Parse("f.yaml", []byte("hosts:\n  a:\n    urll: x\n  b:\n    url: gopher://b\n"))
	if err == nil || strings.Count(err.Error(), "f.yaml:") != 3 {
		t.Errorf("err = %v, want three errors (unknown key, no url, bad scheme)", err)
	}
}

func TestSelect(t *testing.T) {
	fl, err := fleet.Parse("f.yaml", []byte(goodFile))
	if err != nil {
		t.Fatal(err)
	}
	for sel, want := range map[string]string{
		"": "web1,web2,db1", "all": "web1,web2,db1", "web": "web1,web2", "db1,web": "web1,web2,db1",
		"web*": "web1,web2", "db,web1": "web1,db1", "web2, web2": "web2",
	} {
		hs, err := fl.Select(sel)
		var names []string
		for _, h := range hs {
			names = append(names, h.Name)
		}
		if err != nil || strings.Join(names, ",") != want {
			t.Errorf("Select(%q) = %v, %v; want %s", sel, names, err, want)
		}
	}
	if _, err := fl.Select("web,nosuch"); !errors.Is(err, fleet.ErrNoMatch) {
		t.Errorf("unknown name: %v", err)
	}
}

func TestBatchSize(t *testing.T) {
	for in, want := range map[string][2]int{"1": {5, 5}, "2": {5, 3}, "40%": {5, 3}, "50%": {4, 2}, "100%": {5, 1}, "10%": {5, 5}, "9": {5, 1}} {
		b, err := fleet.ParseBatchSize(in)
		if err != nil {
			t.Fatal(err)
		}
		hosts := make([]*fleet.Host, want[0])
		if n := len(b.Batches(hosts)); n != want[1] {
			t.Errorf("%s of %d hosts: %d batches, want %d", in, want[0], n, want[1])
		}
	}
	for _, bad := range []string{"0", "-1", "x", "101%", "0%", ""} {
		if _, err := fleet.ParseBatchSize(bad); err == nil {
			t.Errorf("ParseBatchSize(%q) accepted", bad)
		}
	}
}

func TestTargetMatch(t *testing.T) {
	ps := procs("web:web_0", "web:web_1", "api", "worker")
	for target, want := range map[fleet.Target]string{
		"all": "web:web_0 web:web_1 api worker", "web:*": "web:web_0 web:web_1", "web": "web:web_0 web:web_1",
		"web:web_1": "web:web_1", "api": "api", "nosuch": "",
	} {
		var got []string
		for _, p := range target.Match(ps) {
			got = append(got, p.FullName())
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s matches %v, want %s", target, got, want)
		}
	}
	for _, bad := range []fleet.Target{"", "a b", ":x", "g:", "a,b"} {
		if bad.Verify() == nil {
			t.Errorf("target %q accepted", bad)
		}
	}
}

func TestParseAnchorsAndMergeKeys(t *testing.T) {
	in := `x-creds: &creds
  username: ops
  password: s3cret
hosts:
  a:
    <<: *creds
    url: http://a:9001/RPC2
  b:
    <<: *creds
    url: http://b:9001/RPC2
    username: other
`
	// x-creds is not a fleet key: anchors live in the keys the file has.
	if _, err := fleet.Parse("f.yaml", []byte(in)); err == nil || !strings.Contains(err.Error(), `f.yaml:1:1: unknown key "x-creds"`) {
		t.Errorf("err = %v", err)
	}
	in = `defaults: &d
  username: ops
  password: s3cret
hosts:
  a:
    url: http://a:9001/RPC2
  b:
    <<: *d
    url: http://b:9001/RPC2
    username: other
    pasword: typo
`
	_, err := fleet.Parse("f.yaml", []byte(in))
	if err == nil || !strings.HasPrefix(err.Error(), `f.yaml:11:5: unknown key "pasword"`) {
		t.Errorf("err = %v", err)
	}
	in = strings.Replace(in, "    pasword: typo\n", "", 1)
	fl, err := fleet.Parse("f.yaml", []byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if b := fl.Hosts[1]; b.Username != "other" || b.Password != "s3cret" {
		t.Errorf("b = %+v", b)
	}
}
