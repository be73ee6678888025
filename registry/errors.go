package registry

import (
	"errors"
	"fmt"
)

var (
	// ErrInvalidConfig reports a Config that VerifyConfig refuses; the *ConfigError says why.
	ErrInvalidConfig = errors.New("registry: invalid config")
	// ErrInvalidAnnouncement reports an Announcement that cannot be published: a bad service
	// name or instance id, no URL, or an encoding over Config.MaxEntrySize.
	ErrInvalidAnnouncement = errors.New("registry: invalid announcement")
	// ErrClosed reports a call on an Announcer or Watcher after Close.
	ErrClosed = errors.New("registry: closed")
	// ErrTooManyEntries reports a service with more live entries than Config.MaxEntries; the
	// watcher keeps the entries it had and drops the new one.
	ErrTooManyEntries = errors.New("registry: too many entries")
)

// ConfigError reports one invalid Config field. It wraps ErrInvalidConfig.
type ConfigError struct {
	Field  string // the field, e.g. "TTL"
	Reason string // what is wrong with it
}

// Error describes the field and the problem.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("registry: invalid config: %s %s", e.Field, e.Reason)
}

// Unwrap returns ErrInvalidConfig.
func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }
