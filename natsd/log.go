package natsd

import (
	"context"
	"fmt"
	"log/slog"
	"sync/atomic"
)

// slogLogger adapts a slog.Logger (nil: discard) to nats-server's Logger interface, and keeps
// the first fatal line: nats-server's own logger would exit the process there, while an
// embedded server must fail Start instead.
type slogLogger struct {
	l     *slog.Logger
	fatal atomic.Pointer[string]
}

func (s *slogLogger) debug() bool {
	return s.l != nil && s.l.Enabled(context.Background(), slog.LevelDebug)
}

func (s *slogLogger) log(level slog.Level, format string, v []any) {
	if s.l != nil {
		s.l.Log(context.Background(), level, fmt.Sprintf(format, v...), "component", "nats-server")
	}
}

// fatalf returns the first fatal line logged, or "".
func (s *slogLogger) fatalf() string {
	if p := s.fatal.Load(); p != nil {
		return *p
	}
	return ""
}

// The nats-server Logger methods: notices at Info, debug and trace lines at Debug.

func (s *slogLogger) Noticef(format string, v ...any) { s.log(slog.LevelInfo, format, v) }
func (s *slogLogger) Warnf(format string, v ...any)   { s.log(slog.LevelWarn, format, v) }
func (s *slogLogger) Fatalf(format string, v ...any) {
	msg := fmt.Sprintf(format, v...)
	s.fatal.CompareAndSwap(nil, &msg)
	s.log(slog.LevelError, format, v)
}
func (s *slogLogger) Errorf(format string, v ...any) { s.log(slog.LevelError, format, v) }
func (s *slogLogger) Debugf(format string, v ...any) { s.log(slog.LevelDebug, format, v) }
func (s *slogLogger) Tracef(format string, v ...any) { s.log(slog.LevelDebug, format, v) }
