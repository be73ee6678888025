package supervisord

import (
	"context"
	"fmt"
)

// Tail is a tail*Log answer: Data is what was read, Offset the offset to ask from next time (the
// log's size when it was read), and Overflow says the log had grown by more than the length
// asked, so that bytes between the offset asked and Data were skipped.
type Tail struct {
	Data     string `json:"data"`
	Offset   int64  `json:"offset"`
	Overflow bool   `json:"overflow"`
}

// ShapeError reports an answer that does not have the shape a method's documentation gives it.
type ShapeError struct {
	Method string
	Want   string
}

// Error says which method answered what it should not have.
func (e *ShapeError) Error() string {
	return fmt.Sprintf("supervisord: %s: answer is not %s", e.Method, e.Want)
}

func errShape(method, want string) error { return &ShapeError{Method: method, Want: want} }

// ReadLog reads length bytes of supervisord's main log from offset; a negative offset with
// length 0 reads the last -offset bytes. Both are bounded by Config.MaxLogRead (supervisord
// reads a whole log for offset >= 0 and length 0, which this package refuses).
func (c *Client) ReadLog(ctx context.Context, offset, length int) (string, error) {
	const m = "supervisor.readLog"
	if err := c.checkRead(m, offset, length); err != nil {
		return "", err
	}
	var s string
	return s, c.call(ctx, m, &s, offset, length)
}

// ClearLog empties supervisord's main log.
func (c *Client) ClearLog(ctx context.Context) error {
	return c.callTrue(ctx, "supervisor.clearLog")
}

// ReadProcessStdoutLog reads length bytes of a process's stdout log from offset, or the last
// -offset bytes for a negative offset and length 0, as ReadLog does.
func (c *Client) ReadProcessStdoutLog(ctx context.Context, name string, offset, length int) (string, error) {
	return c.readProcessLog(ctx, "supervisor.readProcessStdoutLog", name, offset, length)
}

// ReadProcessStderrLog reads length bytes of a process's stderr log from offset.
func (c *Client) ReadProcessStderrLog(ctx context.Context, name string, offset, length int) (string, error) {
	return c.readProcessLog(ctx, "supervisor.readProcessStderrLog", name, offset, length)
}

func (c *Client) readProcessLog(ctx context.Context, m, name string, offset, length int) (string, error) {
	if err := c.checkRead(m, offset, length); err != nil {
		return "", err
	}
	var s string
	return s, c.call(ctx, m, &s, name, offset, length)
}

// TailProcessStdoutLog reads up to length bytes of a process's stdout log after offset, as
// supervisorctl tail -f does: see Tail for what the answer means.
func (c *Client) TailProcessStdoutLog(ctx context.Context, name string, offset int64, length int) (Tail, error) {
	return c.tail(ctx, "supervisor.tailProcessStdoutLog", name, offset, length)
}

// TailProcessStderrLog reads up to length bytes of a process's stderr log after offset.
func (c *Client) TailProcessStderrLog(ctx context.Context, name string, offset int64, length int) (Tail, error) {
	return c.tail(ctx, "supervisor.tailProcessStderrLog", name, offset, length)
}

// tail decodes the [string, int, bool] answer by position.
func (c *Client) tail(ctx context.Context, m, name string, offset int64, length int) (Tail, error) {
	if err := c.checkLength(m, length); err != nil {
		return Tail{}, err
	}
	var raw []any
	if err := c.call(ctx, m, &raw, name, offset, length); err != nil {
		return Tail{}, err
	}
	return decodeTail(m, raw)
}

func decodeTail(m string, raw []any) (Tail, error) {
	if len(raw) != 3 {
		return Tail{}, errShape(m, "[string, int, boolean]")
	}
	data, ok1 := raw[0].(string)
	overflow, ok2 := raw[2].(bool)
	var off int64
	ok3 := true
	switch n := raw[1].(type) {
	case int:
		off = int64(n)
	case int64:
		off = n
	default:
		ok3 = false
	}
	if !ok1 || !ok2 || !ok3 {
		return Tail{}, errShape(m, "[string, int, boolean]")
	}
	return Tail{Data: data, Offset: off, Overflow: overflow}, nil
}

// ClearProcessLogs empties a process's stdout and stderr logs.
func (c *Client) ClearProcessLogs(ctx context.Context, name string) error {
	return c.callTrue(ctx, "supervisor.clearProcessLogs", name)
}

// ClearAllProcessLogs empties every process's logs and returns each one's outcome.
func (c *Client) ClearAllProcessLogs(ctx context.Context) ([]ProcessResult, error) {
	return c.callResults(ctx, "supervisor.clearAllProcessLogs")
}
