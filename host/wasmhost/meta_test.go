package wasmhost

import (
	"bytes"
	"context"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// TestMeta: the x-kms-migrationkeyversionid metadata crosses the module
// boundary both ways, as the transfer SDKs need it: Encrypt names the
// version it used, and Decrypt with the header and no KeyId opens with that
// version; the module and the native engine agree, errors included.
func TestMeta(t *testing.T) {
	nat := newNative(store.NewMemory())
	wsm := newWasm(t, store.NewMemory(), 1)
	seed(t, nativeCaller(nat))
	seed(t, wasmCaller(wsm))
	ctx := context.Background()
	enc, _ := pb.Marshal(&pb.EncryptRequest{KeyId: aesID, Plaintext: []byte("migrated"), Iv: seq(12, 4), Aad: []byte("ctx")})
	nout, nmeta, err := nat.CallProtoMeta("Encrypt", enc, kms.Meta{KeyVersionID: aesV2})
	if err != nil {
		t.Fatal(err)
	}
	wout, wmeta, err := wsm.CallProtoMeta(ctx, "Encrypt", enc, kms.Meta{KeyVersionID: aesV2})
	if err != nil {
		t.Fatal(err)
	}
	if wmeta != nmeta || wmeta.KeyVersionID != aesV2 {
		t.Fatalf("Encrypt meta: module %+v, native %+v", wmeta, nmeta)
	}
	var er pb.EncryptResponse
	if err := pb.Unmarshal(wout, &er); err != nil || !bytes.Equal(wout, withoutRequestID(t, nout, wout)) {
		t.Fatalf("Encrypt through the module differs: %v", err)
	}
	dec, _ := pb.Marshal(&pb.DecryptRequest{CiphertextBlob: er.CiphertextBlob, Iv: er.Iv, Aad: []byte("ctx")})
	out, meta, err := wsm.CallProtoMeta(ctx, "Decrypt", dec, kms.Meta{KeyVersionID: aesV2})
	var dr pb.DecryptResponse
	if err != nil || pb.Unmarshal(out, &dr) != nil || string(dr.Plaintext) != "migrated" || meta.KeyVersionID != aesV2 || dr.KeyId != aesID {
		t.Fatalf("Decrypt by the version header: %+v %+v %v", &dr, meta, err)
	}
	_, _, werr := wsm.CallProtoMeta(ctx, "Decrypt", dec, kms.Meta{KeyVersionID: aesID + "-nonexisten"})
	_, _, nerr := nat.CallProtoMeta("Decrypt", dec, kms.Meta{KeyVersionID: aesID + "-nonexisten"})
	sameError(t, nerr, werr)
}

// withoutRequestID returns native with wasm's RequestId, so that two
// answers compare byte for byte.
func withoutRequestID(t *testing.T, native, wasm []byte) []byte {
	t.Helper()
	var n, w pb.EncryptResponse
	if pb.Unmarshal(native, &n) != nil || pb.Unmarshal(wasm, &w) != nil {
		t.Fatal("undecodable Encrypt response")
	}
	n.RequestId = w.RequestId
	b, _ := pb.Marshal(&n)
	return b
}
