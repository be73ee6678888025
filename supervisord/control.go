package supervisord

import "context"

// GetAPIVersion returns the version of the RPC API (supervisor.getAPIVersion), "3.0" for
// supervisord 3 and 4.
func (c *Client) GetAPIVersion(ctx context.Context) (string, error) {
	var v string
	return v, c.call(ctx, "supervisor.getAPIVersion", &v)
}

// GetSupervisorVersion returns supervisord's own version, as "4.2.5".
func (c *Client) GetSupervisorVersion(ctx context.Context) (string, error) {
	var v string
	return v, c.call(ctx, "supervisor.getSupervisorVersion", &v)
}

// GetIdentification returns the identifier of the supervisord ([supervisord] identifier).
func (c *Client) GetIdentification(ctx context.Context) (string, error) {
	var v string
	return v, c.call(ctx, "supervisor.getIdentification", &v)
}

// GetState returns supervisord's own state.
func (c *Client) GetState(ctx context.Context) (State, error) {
	var s State
	return s, c.call(ctx, "supervisor.getState", &s)
}

// GetPID returns the PID of supervisord itself.
func (c *Client) GetPID(ctx context.Context) (int, error) {
	var pid int
	return pid, c.call(ctx, "supervisor.getPID", &pid)
}

// Shutdown asks supervisord to shut down; it answers before it stops.
func (c *Client) Shutdown(ctx context.Context) error {
	return c.callTrue(ctx, "supervisor.shutdown")
}

// Restart asks supervisord to restart itself (stopping every process and rereading its
// configuration); it answers before it restarts.
func (c *Client) Restart(ctx context.Context) error {
	return c.callTrue(ctx, "supervisor.restart")
}

// GetProcessInfo returns one process by its name ("group:name" or "name").
func (c *Client) GetProcessInfo(ctx context.Context, name string) (ProcessInfo, error) {
	var p ProcessInfo
	return p, c.call(ctx, "supervisor.getProcessInfo", &p, name)
}

// GetAllProcessInfo returns every process supervisord knows.
func (c *Client) GetAllProcessInfo(ctx context.Context) ([]ProcessInfo, error) {
	var ps []ProcessInfo
	return ps, c.call(ctx, "supervisor.getAllProcessInfo", &ps)
}

// GetAllConfigInfo returns the configuration of every process supervisord knows.
func (c *Client) GetAllConfigInfo(ctx context.Context) ([]ConfigInfo, error) {
	var cs []ConfigInfo
	return cs, c.call(ctx, "supervisor.getAllConfigInfo", &cs)
}

// StartProcess starts the named process. With wait, supervisord answers once the process is
// RUNNING past its startsecs, or with a SPAWN_ERROR or ABNORMAL_TERMINATION fault when it could
// not get there; without, as soon as it is spawned.
func (c *Client) StartProcess(ctx context.Context, name string, wait bool) error {
	return c.callTrue(ctx, "supervisor.startProcess", name, wait)
}

// StartProcessGroup starts every process of a group and returns each one's outcome.
func (c *Client) StartProcessGroup(ctx context.Context, group string, wait bool) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.startProcessGroup", group, wait)
}

// StartAllProcesses starts every process and returns each one's outcome.
func (c *Client) StartAllProcesses(ctx context.Context, wait bool) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.startAllProcesses", wait)
}

// StopProcess stops the named process; with wait, supervisord answers once it is stopped.
func (c *Client) StopProcess(ctx context.Context, name string, wait bool) error {
	return c.callTrue(ctx, "supervisor.stopProcess", name, wait)
}

// StopProcessGroup stops every process of a group and returns each one's outcome.
func (c *Client) StopProcessGroup(ctx context.Context, group string, wait bool) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.stopProcessGroup", group, wait)
}

// StopAllProcesses stops every process and returns each one's outcome.
func (c *Client) StopAllProcesses(ctx context.Context, wait bool) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.stopAllProcesses", wait)
}

// SignalProcess sends a signal, by name ("HUP") or number ("1"), to the named process.
func (c *Client) SignalProcess(ctx context.Context, name, signal string) error {
	return c.callTrue(ctx, "supervisor.signalProcess", name, signal)
}

// SignalProcessGroup sends a signal to every process of a group and returns each one's outcome.
func (c *Client) SignalProcessGroup(ctx context.Context, group, signal string) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.signalProcessGroup", group, signal)
}

// SignalAllProcesses sends a signal to every process and returns each one's outcome.
func (c *Client) SignalAllProcesses(ctx context.Context, signal string) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.signalAllProcesses", signal)
}

// SendProcessStdin writes chars to the named process's standard input.
func (c *Client) SendProcessStdin(ctx context.Context, name, chars string) error {
	return c.callTrue(ctx, "supervisor.sendProcessStdin", name, chars)
}

// SendRemoteCommEvent emits a REMOTE_COMMUNICATION event of the given type and data to
// supervisord's event listeners.
func (c *Client) SendRemoteCommEvent(ctx context.Context, typ, data string) error {
	return c.callTrue(ctx, "supervisor.sendRemoteCommEvent", typ, data)
}

// ReloadConfig makes supervisord reread its configuration and returns what changed; it applies
// nothing (AddProcessGroup and RemoveProcessGroup do).
func (c *Client) ReloadConfig(ctx context.Context) (ConfigChanges, error) {
	// The answer is [[added, changed, removed]]: decoded by position, not as a struct.
	var raw [][][]string
	if err := c.call(ctx, "supervisor.reloadConfig", &raw); err != nil {
		return ConfigChanges{}, err
	}
	if len(raw) != 1 || len(raw[0]) != 3 {
		return ConfigChanges{}, errShape("supervisor.reloadConfig", "[[added, changed, removed]]")
	}
	return ConfigChanges{Added: raw[0][0], Changed: raw[0][1], Removed: raw[0][2]}, nil
}

// AddProcessGroup applies a group added to the configuration (starting its autostart processes).
func (c *Client) AddProcessGroup(ctx context.Context, group string) error {
	return c.callTrue(ctx, "supervisor.addProcessGroup", group)
}

// RemoveProcessGroup removes a stopped group from the running configuration; a group with a
// running process answers STILL_RUNNING.
func (c *Client) RemoveProcessGroup(ctx context.Context, group string) error {
	return c.callTrue(ctx, "supervisor.removeProcessGroup", group)
}
