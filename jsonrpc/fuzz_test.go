package jsonrpc

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
)

// fuzzSeeds are documents every fuzz target starts from, beside the corpus in testdata/fuzz.
var fuzzSeeds = []string{
	`{"jsonrpc":"2.0","method":"add","params":[2,3],"id":1}`,
	`{"jsonrpc":"2.0","method":"user.login","params":{"user":"Admin","password":"zabbix"},"id":"a\u0041"}`,
	`[{"jsonrpc":"2.0","method":"sum","params":[1,2,4],"id":"1"},{"jsonrpc":"2.0","method":"notify"},{"foo":"boo"},1]`,
	`{"method":"Arith.Multiply","params":[{"A":7,"B":8}],"id":0}`,
	`{"jsonrpc":"2.0","result":{"a":[1,-2.5e-3,"\ud83d\ude00",null,true]},"id":12345678901234567890}`,
	`{"id":1,"result":null,"error":{"code":-32601,"message":"x","data":[{}]}}`,
	`[9223372036854775808, -0.0, 1E400, "\u2028", {"":{"":[]}}]`,
	`{"a":1,"\u0061":2}`,
	"\"\xff\"",
	`[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`,
	`[]`, ``, `{`,
}

func addSeeds(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
}

// FuzzUnmarshal checks that no input makes decoding panic, that everything accepted is valid JSON
// by encoding/json's judgement, and that decode → encode → decode is stable.
func FuzzUnmarshal(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if err := Unmarshal(data, &v); err != nil {
			var typed struct {
				A []int           `json:"a"`
				B map[string]bool `json:"b"`
				C *struct{ D [2]float32 }
			}
			_ = Unmarshal(data, &typed)
			return
		}
		if !json.Valid(data) {
			t.Fatalf("accepted %q, which encoding/json refuses", data)
		}
		enc, err := Marshal(v)
		if err != nil {
			t.Fatalf("cannot encode %#v decoded from %q: %v", v, data, err)
		}
		var back any
		if err := Unmarshal(enc, &back); err != nil {
			t.Fatalf("cannot decode %q, encoded from %q: %v", enc, data, err)
		}
		if !reflect.DeepEqual(v, back) {
			t.Fatalf("unstable: %q decodes to %#v, encodes to %q, decodes to %#v", data, v, enc, back)
		}
		enc2, err := Marshal(back)
		if err != nil || string(enc2) != string(enc) {
			t.Fatalf("encoding unstable: %q then %q (%v)", enc, enc2, err)
		}
	})
}

// FuzzDecodeRequests checks that no body makes request decoding or serving panic, that every
// answer is valid JSON, and that an accepted request encodes and decodes to the same request.
func FuzzDecodeRequests(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var c Codec
		out, _ := c.Serve(context.Background(), nil, data, func(_ context.Context, r *Request) (any, error) {
			return r.Params()
		})
		if len(out) > 0 && !json.Valid(out) {
			t.Fatalf("answer %q to %q is not JSON", out, data)
		}
		reqs, _, err := DecodeRequests(data)
		if err != nil {
			return
		}
		for i := range reqs {
			r := &reqs[i]
			if r.Err != nil || r.Version != Version2 {
				continue
			}
			params, err := r.Params()
			if err != nil {
				continue // a number beyond float64's range, say
			}
			var enc []byte
			if r.Named() {
				enc, err = EncodeOptions{}.AppendNamedRequest(nil, r.ID, r.Method, params[0])
			} else {
				enc, err = EncodeOptions{}.AppendRequest(nil, r.ID, r.Method, params...)
			}
			if err != nil {
				t.Fatalf("cannot encode request %d of %q: %v", i, data, err)
			}
			back, _, err := DecodeRequests(enc)
			if err != nil || len(back) != 1 {
				t.Fatalf("cannot decode %q: %v", enc, err)
			}
			b := &back[0]
			bparams, err := b.Params()
			if err != nil || b.Method != r.Method || !b.ID.Equal(r.ID) || b.Named() != r.Named() || !reflect.DeepEqual(bparams, params) {
				t.Fatalf("request %d of %q came back as %q: %v", i, data, enc, err)
			}
		}
	})
}

// FuzzDecodeResponses checks that no body makes response decoding panic.
func FuzzDecodeResponses(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _, err := DecodeOptions{}.DecodeResponses(data)
		if err != nil {
			return
		}
		for i := range rs {
			var v any
			_ = rs[i].Decode(&v)
			var n []int64
			_ = rs[i].Decode(&n)
		}
	})
}
