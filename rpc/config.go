package rpc

import (
	"fmt"
	"log/slog"
)

// Config configures a Registry. Start from DefaultConfig and change what you need.
type Config struct {
	// ErrorCode is the code a handler error is reported with when it carries none of its own
	// (see Translate). It must not be one of the reserved codes -32768..-32000.
	ErrorCode int
	// MaxMulticall limits how many calls one system.multicall may batch; more is CodeInvalidParams.
	MaxMulticall int
	// Logger receives the stack of a panicking handler. nil means slog.Default().
	Logger *slog.Logger
}

// DefaultConfig returns the default configuration: ErrorCode DefaultErrorCode, MaxMulticall 10000
// and slog.Default() for panics.
func DefaultConfig() *Config {
	return &Config{ErrorCode: DefaultErrorCode, MaxMulticall: 10000}
}

// VerifyConfig reports whether c is usable, with an error wrapping ErrInvalidConfig if not.
func VerifyConfig(c *Config) error {
	if c.ErrorCode >= -32768 && c.ErrorCode <= -32000 {
		return fmt.Errorf("%w: ErrorCode %d is in the reserved range -32768..-32000", ErrInvalidConfig, c.ErrorCode)
	}
	if c.MaxMulticall <= 0 {
		return fmt.Errorf("%w: MaxMulticall must be positive, got %d", ErrInvalidConfig, c.MaxMulticall)
	}
	return nil
}
