package kvbucket_test

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/harp-rpc/harp/internal/kvbucket"
	"github.com/harp-rpc/harp/internal/natstest"
)

func TestValidName(t *testing.T) {
	for s, want := range map[string]bool{
		"harp_registry": true, "a-b_C9": true, "": false, "a.b": false, "a b": false, "é": false,
		strings.Repeat("x", kvbucket.MaxNameLen): true, strings.Repeat("x", kvbucket.MaxNameLen+1): false,
	} {
		if got := kvbucket.ValidName(s); got != want {
			t.Errorf("ValidName(%q) = %v", s, got)
		}
	}
}

// TestOpenRace: processes opening one bucket at once all get it, whoever creates it.
func TestOpenRace(t *testing.T) {
	js, _ := natstest.JetStream(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			kv, err := kvbucket.Open(context.Background(), js, jetstream.KeyValueConfig{Bucket: "b", History: 1})
			if err == nil && kv.Bucket() != "b" {
				t.Errorf("bucket %q", kv.Bucket())
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
