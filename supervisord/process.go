package supervisord

import (
	"time"
)

// ProcessInfo is one process as getProcessInfo and getAllProcessInfo describe it. Start, Stop and
// Now are Unix times in seconds on the supervisord host (Start and Stop are 0 when the process
// has never started or stopped).
type ProcessInfo struct {
	Name          string       `xmlrpc:"name" json:"name"`
	Group         string       `xmlrpc:"group" json:"group"`
	Description   string       `xmlrpc:"description" json:"description"`
	Start         int64        `xmlrpc:"start" json:"start"`
	Stop          int64        `xmlrpc:"stop" json:"stop"`
	Now           int64        `xmlrpc:"now" json:"now"`
	State         ProcessState `xmlrpc:"state" json:"state"`
	StateName     string       `xmlrpc:"statename" json:"statename"`
	SpawnErr      string       `xmlrpc:"spawnerr" json:"spawnerr"`
	ExitStatus    int          `xmlrpc:"exitstatus" json:"exitstatus"`
	StdoutLogfile string       `xmlrpc:"stdout_logfile" json:"stdout_logfile"`
	StderrLogfile string       `xmlrpc:"stderr_logfile" json:"stderr_logfile"`
	PID           int          `xmlrpc:"pid" json:"pid"`
}

// FullName returns the name supervisorctl and the process methods take: "group:name", or the
// name alone when the process is the only one of a group of its own name.
func (p *ProcessInfo) FullName() string {
	if p.Group == "" || p.Group == p.Name {
		return p.Name
	}
	return p.Group + ":" + p.Name
}

// Uptime returns how long the process has been running by the host's clock (Now - Start), or 0
// when it is not running.
func (p *ProcessInfo) Uptime() time.Duration {
	if p.State != Running || p.Start == 0 || p.Now < p.Start {
		return 0
	}
	return time.Duration(p.Now-p.Start) * time.Second
}

// ConfigInfo is one process's configuration as getAllConfigInfo describes it. supervisord sends
// more members (they vary by version); these are the ones a fleet needs.
type ConfigInfo struct {
	Name           string `xmlrpc:"name" json:"name"`
	Group          string `xmlrpc:"group" json:"group"`
	Command        string `xmlrpc:"command" json:"command"`
	Autostart      bool   `xmlrpc:"autostart" json:"autostart"`
	InUse          bool   `xmlrpc:"inuse" json:"inuse"`
	StartSecs      int    `xmlrpc:"startsecs" json:"startsecs"`
	StartRetries   int    `xmlrpc:"startretries" json:"startretries"`
	StopSignal     int    `xmlrpc:"stopsignal" json:"stopsignal"` // a signal number
	StopWaitSecs   int    `xmlrpc:"stopwaitsecs" json:"stopwaitsecs"`
	ExitCodes      []int  `xmlrpc:"exitcodes" json:"exitcodes"`
	GroupPrio      int    `xmlrpc:"group_prio" json:"group_prio"`
	ProcessPrio    int    `xmlrpc:"process_prio" json:"process_prio"`
	RedirectStderr bool   `xmlrpc:"redirect_stderr" json:"redirect_stderr"`
	StdoutLogfile  string `xmlrpc:"stdout_logfile" json:"stdout_logfile"`
	StderrLogfile  string `xmlrpc:"stderr_logfile" json:"stderr_logfile"`
	KillAsGroup    bool   `xmlrpc:"killasgroup" json:"killasgroup"`
}

// FullName returns the process's "group:name" (or its name alone), as ProcessInfo.FullName.
func (c *ConfigInfo) FullName() string {
	if c.Group == "" || c.Group == c.Name {
		return c.Name
	}
	return c.Group + ":" + c.Name
}

// ProcessResult is one process's outcome in the answer of a group or all-processes method
// (startProcessGroup, stopAllProcesses, signalProcessGroup, clearAllProcessLogs, ...).
type ProcessResult struct {
	Name        string    `xmlrpc:"name" json:"name"`
	Group       string    `xmlrpc:"group" json:"group"`
	Status      FaultCode `xmlrpc:"status" json:"status"`
	Description string    `xmlrpc:"description" json:"description"`
}

// Err returns nil when the process's status is SUCCESS, else a *Fault with the status as its
// code, the process's full name as Method's subject and the description as its detail.
func (r *ProcessResult) Err() error {
	if r.Status == Success {
		return nil
	}
	name := r.Name
	if r.Group != "" && r.Group != r.Name {
		name = r.Group + ":" + r.Name
	}
	return &Fault{Method: name, Code: r.Status, Detail: r.Description}
}

// ConfigChanges is reloadConfig's answer: the groups added to, changed in and removed from the
// configuration since supervisord last applied it. Nothing is applied until AddProcessGroup
// and RemoveProcessGroup are called.
type ConfigChanges struct {
	Added   []string `json:"added"`
	Changed []string `json:"changed"`
	Removed []string `json:"removed"`
}

// Empty reports whether nothing changed.
func (c ConfigChanges) Empty() bool {
	return len(c.Added) == 0 && len(c.Changed) == 0 && len(c.Removed) == 0
}
