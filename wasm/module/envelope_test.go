package main

import (
	"errors"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/abi"
)

func decodeError(t *testing.T, format int32, out []byte) *pb.Error {
	t.Helper()
	if len(out) == 0 || out[0] != 1 {
		t.Fatalf("result %q is not an error envelope", out)
	}
	var m pb.Error
	var err error
	if format == abi.FormatProto {
		err = pb.Unmarshal(out[1:], &m)
	} else {
		err = pb.UnmarshalJSON(out[1:], &m)
	}
	if err != nil {
		t.Fatalf("undecodable Error %q: %v", out[1:], err)
	}
	if m.RequestId == "" {
		t.Error("Error without RequestId")
	}
	return &m
}

// envelope is appendEnvelope for a run without metadata, into a fresh buffer.
func envelope(format int32, run func() ([]byte, error)) []byte {
	return appendEnvelope(nil, format, func() (answer, error) { b, err := run(); return answer{body: b}, err })
}

func TestEnvelope(t *testing.T) {
	if out := envelope(abi.FormatJSON, func() ([]byte, error) { return []byte(`{"A":1}`), nil }); string(out) != "\x00{\"A\":1}" {
		t.Errorf("ok envelope %q", out)
	}
	for _, format := range []int32{abi.FormatProto, abi.FormatJSON, 9} {
		out := envelope(format, func() ([]byte, error) { return nil, kmserr.KeyNotFound("key-x") })
		if m := decodeError(t, format, out); m.StatusCode != 404 || m.ErrorCode != kmserr.CodeKeyNotFound {
			t.Errorf("format %d: %v", format, m)
		}
		out = envelope(format, func() ([]byte, error) { return nil, errors.New("plain") })
		if m := decodeError(t, format, out); m.StatusCode != 500 || m.ErrorCode != kmserr.CodeInternalFailure {
			t.Errorf("format %d: plain error gave %v", format, m)
		}
	}
}

func TestEnvelopeRecoversPanics(t *testing.T) {
	for _, c := range []struct {
		name    string
		run     func() ([]byte, error)
		want    string
		mustNot string
	}{
		{"runtime error", func() ([]byte, error) { var s []int; _ = s[3]; return nil, nil }, "index out of range", ""},
		{"nil map", func() ([]byte, error) { var m map[string]int; m["a"] = 1; return nil, nil }, "nil map", ""},
		{"other value", func() ([]byte, error) { panic("plaintext: hunter2") }, "panic (string)", "hunter2"},
	} {
		t.Run(c.name, func(t *testing.T) {
			m := decodeError(t, abi.FormatJSON, envelope(abi.FormatJSON, c.run))
			if m.StatusCode != 500 || m.ErrorCode != kmserr.CodeInternalFailure {
				t.Fatalf("%v", m)
			}
			if !strings.Contains(m.ErrorMessage, c.want) || (c.mustNot != "" && strings.Contains(m.ErrorMessage, c.mustNot)) {
				t.Errorf("message %q: want %q, never %q", m.ErrorMessage, c.want, c.mustNot)
			}
		})
	}
}

// TestEnvelopeAppends: pkms_run's result buffer is reused, so the envelope
// goes after what dst holds, a panic's error included, and metadata frames
// only a successful FormatProtoMeta answer.
func TestEnvelopeAppends(t *testing.T) {
	dst := append(make([]byte, 0, 64), "kept"...)
	out := appendEnvelope(dst, abi.FormatProtoMeta, func() (answer, error) { return answer{[]byte{8, 1}, "v1"}, nil })
	if want := "kept\x00\x02v1\x08\x01"; string(out) != want {
		t.Errorf("meta envelope %q, want %q", out, want)
	}
	if &out[0] != &dst[0] {
		t.Error("the envelope did not reuse dst's room")
	}
	out = appendEnvelope(dst, abi.FormatProtoMeta, func() (answer, error) { panic(errors.New("x")) })
	if string(out[:4]) != "kept" {
		t.Fatalf("a panic's envelope lost dst's bytes: %q", out)
	}
	if m := decodeError(t, abi.FormatProto, out[4:]); m.StatusCode != 500 {
		t.Errorf("panic in FormatProtoMeta: %v", m)
	}
	out = appendEnvelope(nil, abi.FormatProtoMeta, func() (answer, error) { return answer{keyVersionID: "v1"}, kmserr.KeyNotFound("k") })
	if m := decodeError(t, abi.FormatProto, out); m.StatusCode != 404 {
		t.Errorf("an error result is framed with metadata: %v", m)
	}
}
