package election

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// WrongLastSequence reports whether err is the store's refusal of a write whose expected last
// revision did not hold (a compare-and-set that lost, or a fence that a newer term moved).
func WrongLastSequence(err error) bool {
	var api *jetstream.APIError
	return errors.As(err, &api) && (api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		api.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Put writes value under key in the election's bucket, fenced: the store accepts it only while
// f's term is the current one, so a master that lost its lease (frozen, cut off) cannot write.
// A refusal is a *FencedError.
func (e *Election) Put(ctx context.Context, f Fence, key string, value []byte) (uint64, error) {
	m := &nats.Msg{Subject: "$KV." + e.cfg.Bucket + "." + key, Data: value, Header: nats.Header{}}
	ack, err := e.js.PublishMsg(ctx, m, jetstream.WithExpectLastSequenceForSubject(f.Token, f.Subject))
	if err != nil {
		if WrongLastSequence(err) {
			return 0, &FencedError{Group: e.group, Token: f.Token, Err: err}
		}
		return 0, fmt.Errorf("election: fenced write of %s: %w", key, err)
	}
	return ack.Sequence, nil
}
