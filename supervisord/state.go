package supervisord

import "fmt"

// ProcessState is a process's state as supervisord reports it (supervisor/states.py).
type ProcessState int

// The process states.
const (
	Stopped  ProcessState = 0
	Starting ProcessState = 10
	Running  ProcessState = 20
	Backoff  ProcessState = 30
	Stopping ProcessState = 40
	Exited   ProcessState = 100
	Fatal    ProcessState = 200
	Unknown  ProcessState = 1000
)

var stateNames = map[ProcessState]string{
	Stopped: "STOPPED", Starting: "STARTING", Running: "RUNNING", Backoff: "BACKOFF",
	Stopping: "STOPPING", Exited: "EXITED", Fatal: "FATAL", Unknown: "UNKNOWN",
}

// String returns supervisord's name of the state, as RUNNING, or STATE_<n> for one it does not
// define.
func (s ProcessState) String() string {
	if n, ok := stateNames[s]; ok {
		return n
	}
	return fmt.Sprintf("STATE_%d", int(s))
}

// ParseProcessState returns the state named name (RUNNING, ...), or false.
func ParseProcessState(name string) (ProcessState, bool) {
	for s, n := range stateNames {
		if n == name {
			return s, true
		}
	}
	return 0, false
}

// Running reports whether the process is running or on its way there or back: STARTING,
// RUNNING, BACKOFF or STOPPING (supervisor's RUNNING_STATES plus STOPPING).
func (s ProcessState) Running() bool {
	return s == Starting || s == Running || s == Backoff || s == Stopping
}

// Stopped reports whether the process is in one of supervisor's STOPPED_STATES: STOPPED,
// EXITED, FATAL or UNKNOWN.
func (s ProcessState) Stopped() bool {
	return s == Stopped || s == Exited || s == Fatal || s == Unknown
}

// SupervisorState is supervisord's own state (getState's statecode).
type SupervisorState int

// supervisord's own states.
const (
	SupervisorFatal      SupervisorState = 2
	SupervisorRunning    SupervisorState = 1
	SupervisorRestarting SupervisorState = 0
	SupervisorShutdown   SupervisorState = -1
)

// String returns supervisord's name of the state, as RUNNING.
func (s SupervisorState) String() string {
	switch s {
	case SupervisorFatal:
		return "FATAL"
	case SupervisorRunning:
		return "RUNNING"
	case SupervisorRestarting:
		return "RESTARTING"
	case SupervisorShutdown:
		return "SHUTDOWN"
	}
	return fmt.Sprintf("STATE_%d", int(s))
}

// State is getState's answer: supervisord's own state and its name as sent.
type State struct {
	Code SupervisorState `xmlrpc:"statecode"`
	Name string          `xmlrpc:"statename"`
}
