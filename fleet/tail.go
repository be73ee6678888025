package fleet

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/harp-rpc/harp/supervisord"
)

// TailConfig says which log Follow reads and how. Make one with DefaultTailConfig.
type TailConfig struct {
	Program string // the process, "group:name" or "name"
	Stderr  bool   // the stderr log instead of stdout
	// Initial is how many bytes of each log's end are shown first (from the start of the
	// first whole line in them).
	Initial int
	// Follow keeps reading as the logs grow; without it Follow returns after the initial part.
	Follow bool
	// Interval is how often each host is polled; a host that does not answer is polled again
	// after at most MaxBackoff.
	Interval   time.Duration
	MaxBackoff time.Duration
	// Chunk is the most bytes one read asks for; MaxLine the longest line kept whole (a longer
	// one is cut into lines of MaxLine bytes).
	Chunk   int
	MaxLine int
}

// DefaultTailConfig returns a tail of the last 1600 bytes (as supervisorctl tail), polled every
// 250ms, reads of 64 KiB, lines of up to 64 KiB, a backoff of up to 2 seconds.
func DefaultTailConfig(program string) *TailConfig {
	return &TailConfig{Program: program, Initial: 1600, Interval: 250 * time.Millisecond,
		MaxBackoff: 2 * time.Second, Chunk: 64 << 10, MaxLine: 64 << 10}
}

// Verify reports a configuration Follow cannot use.
func (c *TailConfig) Verify() error {
	if err := Target(c.Program).Verify(); err != nil || c.Program == "all" || strings.HasSuffix(c.Program, ":*") {
		return fmt.Errorf("fleet: tail needs one program (name or group:name), not %q", c.Program)
	}
	if c.Initial < 0 || c.Interval <= 0 || c.MaxBackoff < c.Interval || c.Chunk <= 0 || c.MaxLine <= 0 {
		return errors.New("fleet: tail: Initial not negative; Interval, Chunk and MaxLine positive; MaxBackoff at least Interval")
	}
	return nil
}

// Line is one line of a merged tail: a line of a host's log (without its newline), or, with
// Note set, what Follow says about the host: that it stopped answering, came back, or that its
// log was rotated.
type Line struct {
	Host string `json:"host"`
	Text string `json:"text"`
	Note bool   `json:"note,omitempty"`
}

// Follow reads the program's log on every host and calls emit with each whole line, one call at
// a time, so that lines of different hosts never interleave. It follows each log by offset:
// when a log is shorter than the offset read so far, or the bytes just before the offset are
// no longer the ones read there (it was rotated and has grown past the offset since), it was
// rotated (or cleared), and reading starts again at its beginning. With cfg.Follow it runs until ctx ends, and a host that stops
// answering is noted, polled with a backoff, and followed again from where it was when it comes
// back; it then returns nil. Without, it returns after the initial part, with the errors of
// hosts that could not be read joined.
func Follow(ctx context.Context, hosts []*Host, cfg *TailConfig, emit func(Line)) error {
	if err := cfg.Verify(); err != nil {
		return err
	}
	var mu sync.Mutex
	out := func(l Line) {
		mu.Lock()
		defer mu.Unlock()
		emit(l)
	}
	errs := make([]error, len(hosts))
	var wg sync.WaitGroup
	for i, h := range hosts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f := &follower{h: h, cfg: cfg, emit: out, offset: -1}
			errs[i] = f.run(ctx)
		}()
	}
	wg.Wait()
	if cfg.Follow {
		return nil
	}
	return errors.Join(errs...)
}

// follower follows one host's log.
type follower struct {
	h       *Host
	cfg     *TailConfig
	emit    func(Line)
	c       *supervisord.Client
	offset  int64 // the next byte to read; -1 before the first read
	partial string
	mark    string // the last bytes read, up to markLen
	down    bool
}

func (f *follower) run(ctx context.Context) error {
	c, err := f.h.Dial()
	if err != nil {
		return err
	}
	defer c.Close()
	f.c = c
	wait := f.cfg.Interval
	for {
		err := f.poll(ctx)
		if !f.cfg.Follow {
			f.flush()
			return err
		}
		switch {
		case err != nil && ctx.Err() == nil:
			if !f.down {
				f.note(fmt.Sprintf("harp: not answering, retrying: %v", err))
				f.down = true
			}
			wait = min(wait*2, f.cfg.MaxBackoff)
		case err == nil && f.down:
			f.note("harp: answering again")
			f.down, wait = false, f.cfg.Interval
		}
		if sleep(ctx, wait) != nil {
			f.flush()
			return nil
		}
	}
}

func (f *follower) note(s string) { f.emit(Line{Host: f.h.Name, Text: s, Note: true}) }

// size returns the log's size: a tail of length 0 answers it as the offset.
func (f *follower) size(ctx context.Context) (int64, error) {
	ctx, cancel := hostContext(ctx, f.h)
	defer cancel()
	var t supervisord.Tail
	var err error
	if f.cfg.Stderr {
		t, err = f.c.TailProcessStderrLog(ctx, f.cfg.Program, 0, 0)
	} else {
		t, err = f.c.TailProcessStdoutLog(ctx, f.cfg.Program, 0, 0)
	}
	return t.Offset, err
}

func (f *follower) read(ctx context.Context, offset int64, n int) (string, error) {
	ctx, cancel := hostContext(ctx, f.h)
	defer cancel()
	if f.cfg.Stderr {
		return f.c.ReadProcessStderrLog(ctx, f.cfg.Program, int(offset), n)
	}
	return f.c.ReadProcessStdoutLog(ctx, f.cfg.Program, int(offset), n)
}

// markLen is how many of the last bytes read are read again before new ones, to tell a log
// that was rotated and has already grown past the old offset from the same log grown.
const markLen = 32

// poll reads what the log gained since the last poll.
func (f *follower) poll(ctx context.Context) error {
	size, err := f.size(ctx)
	if err != nil {
		return err
	}
	skipToLine := false
	switch {
	case f.offset < 0:
		f.offset = max(0, size-int64(f.cfg.Initial))
		skipToLine = f.offset > 0
	case size < f.offset:
		f.rotated(fmt.Sprintf("%d bytes, was %d", size, f.offset))
	}
	for f.offset < size {
		back := min(int64(len(f.mark)), f.offset)
		n := int(min(int64(f.cfg.Chunk), size-f.offset) + back)
		data, err := f.read(ctx, f.offset-back, n)
		if err != nil {
			return err
		}
		if back > 0 {
			if !strings.HasPrefix(data, f.mark[int64(len(f.mark))-back:]) {
				f.rotated("its bytes before the offset changed")
				continue
			}
			data = data[back:]
		}
		if data == "" {
			break
		}
		f.offset += int64(len(data))
		f.mark = lastBytes(f.mark+data, markLen)
		if skipToLine {
			i := strings.IndexByte(data, '\n')
			if i < 0 {
				continue
			}
			data, skipToLine = data[i+1:], false
		}
		f.lines(data)
	}
	return nil
}

// rotated notes a rotation and starts reading the log again from its beginning.
func (f *follower) rotated(why string) {
	f.flush()
	f.note("harp: log rotated (" + why + "); reading the new one from its start")
	f.offset, f.mark = 0, ""
}

func lastBytes(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

// lines emits the whole lines of partial+data and keeps the rest.
func (f *follower) lines(data string) {
	s := f.partial + data
	for {
		i := strings.IndexByte(s, '\n')
		if i < 0 {
			break
		}
		f.emit(Line{Host: f.h.Name, Text: s[:i]})
		s = s[i+1:]
	}
	for len(s) > f.cfg.MaxLine {
		f.emit(Line{Host: f.h.Name, Text: s[:f.cfg.MaxLine]})
		s = s[f.cfg.MaxLine:]
	}
	f.partial = s
}

// flush emits a kept partial line.
func (f *follower) flush() {
	if f.partial != "" {
		f.emit(Line{Host: f.h.Name, Text: f.partial})
		f.partial = ""
	}
}
