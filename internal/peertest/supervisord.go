package peertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SupervisordProgram is one [program:NAME] section of a test supervisord's configuration.
type SupervisordProgram struct {
	Name         string
	Command      string
	StartSecs    int    // startsecs: how long it must run to count as started
	StartRetries int    // startretries
	AutoStart    bool   // autostart
	AutoRestart  string // autorestart: "false", "true" or "unexpected"; "" means false
	// Extra holds further lines of the section, as stdout_logfile_maxbytes=1KB.
	Extra map[string]string
}

// FineProgram returns a program that starts at once (startsecs=1) and prints "NAME line N" ten
// times a second until stopped.
func FineProgram(name string) SupervisordProgram {
	return SupervisordProgram{
		Name:      name,
		Command:   `/bin/sh -c 'i=0; while true; do i=$((i+1)); echo "` + name + ` line $i"; sleep 0.1; done'`,
		StartSecs: 1, AutoStart: true,
	}
}

// ExitingProgram returns a program that prints one line and exits with status 3 at once, so that
// supervisord puts it in FATAL after its one try (startretries=0) and a start answers
// ABNORMAL_TERMINATION or SPAWN_ERROR. Its startsecs is 10 so that even on a loaded machine it
// exits before it could count as started.
func ExitingProgram(name string) SupervisordProgram {
	return SupervisordProgram{
		Name:      name,
		Command:   `/bin/sh -c 'echo "` + name + ` failing"; exit 3'`,
		StartSecs: 10, AutoStart: false,
	}
}

// SlowProgram returns a program that runs until stopped but counts as started only after
// startsecs seconds, so that it stays STARTING that long.
func SlowProgram(name string, startsecs int) SupervisordProgram {
	return SupervisordProgram{Name: name, Command: "/bin/sleep 3600", StartSecs: startsecs, AutoStart: true}
}

// SupervisordConfig says how to run a test supervisord.
type SupervisordConfig struct {
	Programs []SupervisordProgram
	// HTTP serves the XML-RPC interface on a 127.0.0.1 port instead of a unix socket.
	HTTP bool
	// Username and Password, when Username is not empty, protect the interface with Basic auth.
	Username, Password string
}

// Supervisord is one real supervisord a test started, with its own directory (configuration,
// socket, logs) and XML-RPC URL. It is stopped by PID when the test ends.
type Supervisord struct {
	Dir  string // its directory: supervisord.conf, the socket, the logs
	URL  string // unix:///.../supervisor.sock or http://127.0.0.1:PORT/RPC2
	addr string // the socket path or host:port
	cfg  SupervisordConfig
	bin  string
	cmd  *exec.Cmd
	done chan struct{}
	t    testing.TB
}

// StartSupervisord starts a supervisord with cfg's programs and waits until it answers, or skips
// (fails, with HARP_PEERS=require) when supervisord is not installed.
func StartSupervisord(t testing.TB, cfg SupervisordConfig) *Supervisord {
	t.Helper()
	bin := Command(t, "supervisord")
	dir, err := os.MkdirTemp("", "hsv") // short: a unix socket path has at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	s := &Supervisord{Dir: dir, cfg: cfg, bin: bin, t: t}
	t.Cleanup(func() {
		s.Stop()
		os.RemoveAll(dir)
	})
	if cfg.HTTP {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		s.addr = "127.0.0.1:" + strconv.Itoa(port)
		s.URL = "http://" + s.addr + "/RPC2"
	} else {
		s.addr = filepath.Join(dir, "supervisor.sock")
		s.URL = "unix://" + s.addr
	}
	s.SetPrograms(cfg.Programs)
	s.Start()
	return s
}

// freePort returns a TCP port that was free a moment ago on 127.0.0.1.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// LogPath returns the stdout log file of the named program.
func (s *Supervisord) LogPath(program string) string {
	return filepath.Join(s.Dir, program+".log")
}

// SetPrograms rewrites the configuration file with programs; a running supervisord sees the
// change on its next reloadConfig (or restart).
func (s *Supervisord) SetPrograms(programs []SupervisordProgram) {
	s.t.Helper()
	s.cfg.Programs = programs
	if err := os.WriteFile(filepath.Join(s.Dir, "supervisord.conf"), s.config(), 0o600); err != nil {
		s.t.Fatal(err)
	}
}

// config renders supervisord.conf.
func (s *Supervisord) config() []byte {
	var b bytes.Buffer
	d := s.Dir
	fmt.Fprintf(&b, "[supervisord]\nnodaemon=true\nlogfile=%s/supervisord.log\npidfile=%s/supervisord.pid\n", d, d)
	// No user=: supervisord runs as whoever runs the test (as root it logs a warning, no more).
	fmt.Fprintf(&b, "childlogdir=%s\nidentifier=%s\n\n", d, filepath.Base(d))
	auth := ""
	if s.cfg.Username != "" {
		auth = fmt.Sprintf("username=%s\npassword=%s\n", s.cfg.Username, s.cfg.Password)
	}
	if s.cfg.HTTP {
		fmt.Fprintf(&b, "[inet_http_server]\nport=%s\n%s\n", s.addr, auth)
	} else {
		fmt.Fprintf(&b, "[unix_http_server]\nfile=%s\nchmod=0700\n%s\n", s.addr, auth)
	}
	b.WriteString("[rpcinterface:supervisor]\nsupervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface\n\n")
	for _, p := range s.cfg.Programs {
		restart := p.AutoRestart
		if restart == "" {
			restart = "false"
		}
		fmt.Fprintf(&b, "[program:%s]\ncommand=%s\nstartsecs=%d\nstartretries=%d\nautostart=%t\nautorestart=%s\n",
			p.Name, p.Command, p.StartSecs, p.StartRetries, p.AutoStart, restart)
		fmt.Fprintf(&b, "stdout_logfile=%s\nstopwaitsecs=2\nstopasgroup=true\nkillasgroup=true\n", s.LogPath(p.Name))
		keys := make([]string, 0, len(p.Extra))
		for k := range p.Extra {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(&b, "%s=%s\n", k, p.Extra[k])
		}
		b.WriteString("\n")
	}
	return b.Bytes()
}

// Start starts supervisord (again, after Stop or Kill) with the current configuration and waits
// up to 15 seconds until it answers supervisor.getState with RUNNING.
func (s *Supervisord) Start() {
	s.t.Helper()
	if s.cmd != nil {
		s.t.Fatal("peertest: supervisord already running")
	}
	out, err := os.OpenFile(filepath.Join(s.Dir, "stdout"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		s.t.Fatal(err)
	}
	defer out.Close()
	cmd := exec.Command(s.bin, "-c", filepath.Join(s.Dir, "supervisord.conf"))
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		s.t.Fatalf("peertest: starting supervisord: %v", err)
	}
	s.cmd, s.done = cmd, make(chan struct{})
	go func(done chan struct{}) { cmd.Wait(); close(done) }(s.done)
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			s.cmd = nil
			log, _ := os.ReadFile(filepath.Join(s.Dir, "stdout"))
			s.t.Fatalf("peertest: supervisord exited at start:\n%s", log)
		default:
		}
		if s.answers() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.Stop()
	s.t.Fatal("peertest: supervisord did not answer within 15s")
}

// PID returns supervisord's process id, or 0 when it is not running.
func (s *Supervisord) PID() int {
	if s.cmd == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// answers reports whether supervisord answers getState with RUNNING.
func (s *Supervisord) answers() bool {
	tr := &http.Transport{DisableKeepAlives: true}
	if !s.cfg.HTTP {
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", s.addr)
		}
	}
	hc := &http.Client{Transport: tr, Timeout: time.Second}
	body := `<?xml version="1.0"?><methodCall><methodName>supervisor.getState</methodName><params/></methodCall>`
	req, _ := http.NewRequest("POST", "http://"+s.hostPort()+"/RPC2", strings.NewReader(body))
	req.Header.Set("Content-Type", "text/xml")
	if s.cfg.Username != "" {
		req.SetBasicAuth(s.cfg.Username, s.cfg.Password)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	return resp.StatusCode == 200 && bytes.Contains(b, []byte("RUNNING"))
}

func (s *Supervisord) hostPort() string {
	if s.cfg.HTTP {
		return s.addr
	}
	return "localhost"
}

// Stop stops supervisord with SIGTERM (which stops its programs) and waits up to ten seconds,
// then kills it and its children. It does nothing when supervisord is not running.
func (s *Supervisord) Stop() {
	if s.cmd == nil {
		return
	}
	children := s.children()
	s.cmd.Process.Signal(syscall.SIGCONT) // in case Pause stopped it
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
	}
	killPIDs(children)
	s.cmd = nil
}

// Kill kills supervisord with SIGKILL at once, as a host that goes away, then kills the
// programs it had started (by their PIDs), which would otherwise outlive it.
func (s *Supervisord) Kill() {
	if s.cmd == nil {
		return
	}
	children := s.children()
	s.cmd.Process.Kill()
	<-s.done
	killPIDs(children)
	s.cmd = nil
}

// Pause stops supervisord with SIGSTOP: its socket still accepts connections but nothing answers,
// as a hung host. Resume (or Stop) undoes it.
func (s *Supervisord) Pause() {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGSTOP)
	}
}

// Resume continues a paused supervisord.
func (s *Supervisord) Resume() {
	if s.cmd != nil {
		s.cmd.Process.Signal(syscall.SIGCONT)
	}
}

// children returns the PIDs whose parent is supervisord, read from /proc.
func (s *Supervisord) children() []int {
	ppid := s.cmd.Process.Pid
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so read after the last ')'.
		i := bytes.LastIndexByte(stat, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(string(stat[i+1:]))
		if len(f) > 1 && f[1] == strconv.Itoa(ppid) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// killPIDs kills each process and the process group it leads (supervisord puts each program in
// a group of its own), ignoring ones already gone.
func killPIDs(pids []int) {
	for _, pid := range pids {
		if err := syscall.Kill(-pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		syscall.Kill(pid, syscall.SIGKILL)
	}
}
