package budget

import (
	"errors"
	"io"
)

// The errors of ReadLimited and GrowBody; callers map them to their own answers.
var (
	// ErrTooLarge is a body past its size limit (413).
	ErrTooLarge = errors.New("budget: body too large")
	// ErrFull is a growth the budget cannot hold now, though it could later (503).
	ErrFull = errors.New("budget: memory budget full")
	// ErrOver is a growth the budget could never hold for the request's peer (413).
	ErrOver = errors.New("budget: request too large for the memory budget")
)

// ReadLimited appends all of src to buf, failing with ErrTooLarge past max bytes. The buffer
// grows as the bytes arrive, by doubling up to hint (the declared length, when known) and past
// it, each growth reserved in res first: a body holds memory for what it sent, not for what it
// declared, and never more than the budget lets it. Read errors of src are returned as they are.
func ReadLimited(src io.Reader, buf []byte, max, hint int64, res *Reservation) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			if int64(len(buf)) >= max {
				return buf, probeEnd(src)
			}
			var err error
			if buf, err = GrowBody(buf, max, hint, res); err != nil {
				return buf, err
			}
		}
		room := buf[len(buf):cap(buf)]
		if int64(len(buf))+int64(len(room)) > max+1 {
			room = room[:max+1-int64(len(buf))]
		}
		n, err := src.Read(room)
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return buf, ErrTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// probeEnd reports whether src, which filled a body to the size limit, ends there: ErrTooLarge
// if it holds one byte more, so that a body of exactly the limit needs no larger buffer.
func probeEnd(src io.Reader) error {
	var one [1]byte
	for {
		n, err := src.Read(one[:])
		switch {
		case n > 0:
			return ErrTooLarge
		case err == io.EOF:
			return nil
		case err != nil:
			return err
		}
	}
}

// GrowBody returns buf with room for more: twice its capacity (at least 4 KiB), or hint when
// that is less than one more doubling away, never past limit, once res has reserved the new
// capacity and the old one, which is garbage until the collector takes it. It fails with
// ErrOver or ErrFull when res cannot reserve them.
func GrowBody(buf []byte, limit, hint int64, res *Reservation) ([]byte, error) {
	c := int64(cap(buf))
	n := min(max(2*c, 4096), limit)
	if hint > c && hint < 2*n {
		n = min(hint, limit)
	}
	if !res.Resize(n + c) {
		if !res.Fits(n + c + DecodeFactor*int64(len(buf))) {
			return buf, ErrOver
		}
		return buf, ErrFull
	}
	nb := make([]byte, len(buf), n)
	copy(nb, buf)
	return nb, nil
}
