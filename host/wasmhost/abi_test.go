package wasmhost

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/abi"
)

// TestRefusesOtherABI loads the vectors' module that answers pkms_info
// with another ABI version: New must refuse it and say both versions.
func TestRefusesOtherABI(t *testing.T) {
	raw, err := os.ReadFile("../../internal/abi/testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Other struct {
			ABI int    `json:"abi"`
			Hex string `json:"hex"`
		} `json:"otherABIModule"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	mod, err := hex.DecodeString(v.Other.Hex)
	if err != nil || v.Other.ABI == abi.Version {
		t.Fatalf("bad vector: %v", err)
	}
	e, err := New(context.Background(), mod, store.NewMemory(), NewConfig())
	if err == nil {
		e.Close(context.Background())
		t.Fatalf("loaded a module of ABI %d", v.Other.ABI)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("speaks ABI %d and this host ABI %d", v.Other.ABI, abi.Version)) {
		t.Fatalf("error %q does not name both versions", err)
	}
}

// TestNamedExports: the module exports each data operation under its own
// name, pkms_info lists exactly those, and each answers as pkms_call does
// for that operation, in both formats.
func TestNamedExports(t *testing.T) {
	e := newWasm(t, store.NewMemory(), 2) // one instance held for raw calls, one for e.call
	ctx := context.Background()
	b, err := e.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	info, err := abi.ParseInfo(b)
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	for name := range e.compiled.ExportedFunctions() {
		if !strings.HasPrefix(name, "pkms_") && !strings.HasPrefix(name, "_") {
			exported = append(exported, name)
		}
	}
	slices.Sort(exported)
	if want := slices.Sorted(slices.Values(info.Exports)); !slices.Equal(exported, want) || !slices.Contains(want, "AdvanceEncrypt") {
		t.Fatalf("the module exports %v by name, pkms_info lists %v", exported, want)
	}

	// A key to use: CreateKey is not a named export.
	out, err := e.CallJSON(ctx, "CreateKey", []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var created pb.KeyResponse
	if err := pb.UnmarshalJSON(out, &created); err != nil {
		t.Fatal(err)
	}
	keyID := created.KeyMetadata.KeyId

	inst, err := e.acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer e.release(ctx, inst, true)
	named := func(name string, req []byte, format int) []byte {
		t.Helper()
		f := inst.mod.ExportedFunction(name)
		p, err := invoke(ctx, inst.alloc, uint64(len(req)))
		if err != nil || p == 0 || !inst.mod.Memory().Write(uint32(p), req) {
			t.Fatalf("alloc: %d %v", p, err)
		}
		packed, err := invoke(ctx, f, p, uint64(len(req)), uint64(format))
		if err != nil {
			t.Fatalf("%s trapped: %v", name, err)
		}
		invoke(ctx, inst.free, p)
		view, ok := inst.mod.Memory().Read(uint32(packed>>32), uint32(packed))
		if !ok {
			t.Fatalf("%s: bad result range", name)
		}
		res := append([]byte(nil), view...)
		invoke(ctx, inst.free, packed>>32)
		return res
	}

	// AdvanceEncrypt by name, then AdvanceDecrypt by name of its answer.
	enc := named("AdvanceEncrypt", []byte(`{"KeyId":"`+keyID+`","Plaintext":"aGk="}`), abi.FormatJSON)
	st, body, err := abi.SplitResult(enc)
	if err != nil || st != abi.ResultOK {
		t.Fatalf("AdvanceEncrypt: %d %s %v", st, body, err)
	}
	var er pb.AdvanceEncryptResponse
	if err := pb.UnmarshalJSON(body, &er); err != nil || len(er.CiphertextBlob) == 0 {
		t.Fatalf("AdvanceEncrypt answer %s: %v", body, err)
	}
	req, _ := pb.Marshal(&pb.AdvanceDecryptRequest{CiphertextBlob: er.CiphertextBlob})
	st, body, err = abi.SplitResult(named("AdvanceDecrypt", req, abi.FormatProto))
	var dr pb.AdvanceDecryptResponse
	if err != nil || st != abi.ResultOK || pb.Unmarshal(body, &dr) != nil || string(dr.Plaintext) != "hi" {
		t.Fatalf("AdvanceDecrypt: %d %x %v", st, body, err)
	}

	// Every named export gives the same error as pkms_call for the same
	// bad request (RequestIds aside).
	for _, name := range info.Exports {
		for _, format := range []int{abi.FormatProto, abi.FormatJSON} {
			req := []byte(`{"KeyId":"alias/none","Length":-1}`)
			if format == abi.FormatProto {
				req = []byte{0xff}
			}
			st, body, err := abi.SplitResult(named(name, req, format))
			if err != nil || st != abi.ResultError {
				t.Fatalf("%s: status %d, %v", name, st, err)
			}
			_, want := e.call(ctx, name, req, format)
			var got pb.Error
			if format == abi.FormatProto {
				err = pb.Unmarshal(body, &got)
			} else {
				err = pb.UnmarshalJSON(body, &got)
			}
			if err != nil || want == nil || !strings.Contains(want.Error(), got.ErrorCode) || !strings.Contains(want.Error(), got.ErrorMessage) {
				t.Errorf("%s format %d: named export says %v, pkms_call %v", name, format, &got, want)
			}
		}
	}
}

// TestTooLargeIs413: a request beyond what pkms_alloc makes is a 413, and
// the instance answers the next call.
func TestTooLargeIs413(t *testing.T) {
	e := newWasm(t, store.NewMemory(), 1)
	ctx := context.Background()
	_, err := e.CallJSON(ctx, "GenerateRandom", bytes.Repeat([]byte{' '}, abi.MaxAlloc))
	if ke, ok := err.(interface{ Error() string }); !ok || !strings.Contains(ke.Error(), "RequestEntityTooLarge") {
		t.Fatalf("oversized request: %v", err)
	}
	if _, err := e.CallJSON(ctx, "GenerateRandom", []byte(`{"Length":4}`)); err != nil {
		t.Fatalf("the next call failed: %v", err)
	}
}
