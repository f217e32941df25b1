package main

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
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

// envelope is appendEnvelope into a fresh buffer, for a run that answers
// with a whole message.
func envelope(format int32, run func() ([]byte, error)) []byte {
	return appendEnvelope(nil, format, func(dst []byte) ([]byte, error) {
		b, err := run()
		return append(dst, b...), err
	})
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
// goes after what dst holds, a panic's or an error's included.
func TestEnvelopeAppends(t *testing.T) {
	dst := append(make([]byte, 0, 64), "kept"...)
	out := appendEnvelope(dst, abi.FormatProto, func(b []byte) ([]byte, error) { return append(b, 8, 1), nil })
	if want := "kept\x00\x08\x01"; string(out) != want {
		t.Errorf("envelope %q, want %q", out, want)
	}
	if &out[0] != &dst[0] {
		t.Error("the envelope did not reuse dst's room")
	}
	for _, run := range []func([]byte) ([]byte, error){
		func(b []byte) ([]byte, error) { panic(errors.New("x")) },
		func(b []byte) ([]byte, error) { return append(b, "half"...), kmserr.KeyNotFound("k") },
	} {
		out = appendEnvelope(dst, abi.FormatProtoMeta, run)
		if string(out[:4]) != "kept" {
			t.Fatalf("an error's envelope lost dst's bytes: %q", out)
		}
		if m := decodeError(t, abi.FormatProto, out[4:]); m.StatusCode != 500 && m.StatusCode != 404 {
			t.Errorf("error in FormatProtoMeta: %v", m)
		}
	}
}

// appendMeta frames the response behind the key version id the call
// returned, after what dst already holds.
func TestAppendMetaFrames(t *testing.T) {
	e := kms.New(store.NewMemory(), kms.NewConfig())
	material := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	if _, err := e.CallJSON("ImportKey", []byte(`{"KeyId":"key-meta00000000000000000","KeySpec":"Aliyun_AES_256","Versions":[{"KeyMaterial":"`+material+`"}]}`)); err != nil {
		t.Fatal(err)
	}
	req, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "key-meta00000000000000000", Plaintext: bytes.Repeat([]byte{'p'}, 3000)})
	out, err := appendMeta([]byte("kept\x00"), e, "AdvanceEncrypt", abi.EncodeMeta("", req))
	if err != nil {
		t.Fatal(err)
	}
	if string(out[:5]) != "kept\x00" {
		t.Fatalf("dst's bytes lost: %q", out[:5])
	}
	version, body, err := abi.DecodeMeta(out[5:])
	var r pb.AdvanceEncryptResponse
	if err != nil || pb.Unmarshal(body, &r) != nil || version == "" || r.KeyVersionId != version || len(r.CiphertextBlob) < 3000 {
		t.Fatalf("frame %q around a response with version %q, blob %d bytes: %v", version, r.KeyVersionId, len(r.CiphertextBlob), err)
	}
}
