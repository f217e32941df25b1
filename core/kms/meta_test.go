package kms_test

import (
	"bytes"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/require"
)

func callMeta[R pb.Message](t *testing.T, e *kms.Engine, api string, req pb.Message, vid string) (R, string) {
	t.Helper()
	resp, m, err := e.CallMeta(api, req, kms.Meta{KeyVersionID: vid})
	require.NoError(t, err, api)
	return resp.(R), m.KeyVersionID
}

// The version header selects the version in, and names the version used out
// (spec asymmetric-and-secrets.md §10.4).
func TestMigrationHeader(t *testing.T) {
	f := newFixture(t)
	v0, v1 := versionID(keyA, 0), versionID(keyA, 1)
	f.importKey(keyA, kms.SpecAES256, material(32, 1), material(32, 2))

	// Without the header: Encrypt uses the initial version, AdvanceEncrypt the primary.
	enc, got := callMeta[*pb.EncryptResponse](t, f.e, "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("hi")}, "")
	require.Equal(t, v0, got, "Encrypt version")
	adv, got := callMeta[*pb.AdvanceEncryptResponse](t, f.e, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hi")}, "")
	require.Equal(t, v1, got, "AdvanceEncrypt version")
	_, got = callMeta[*pb.AdvanceDecryptResponse](t, f.e, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: adv.CiphertextBlob}, "")
	require.Equal(t, v1, got, "AdvanceDecrypt version")
	_, got = callMeta[*pb.GenerateDataKeyResponse](t, f.e, "GenerateDataKey", &pb.GenerateDataKeyRequest{KeyId: keyA}, "")
	require.Equal(t, v0, got, "GenerateDataKey version")
	_, got = callMeta[*pb.AdvanceGenerateDataKeyResponse](t, f.e, "AdvanceGenerateDataKey", &pb.AdvanceGenerateDataKeyRequest{KeyId: keyA}, "")
	require.Equal(t, v1, got, "AdvanceGenerateDataKey version")
	dec, got := callMeta[*pb.DecryptResponse](t, f.e, "Decrypt", &pb.DecryptRequest{KeyId: keyA, CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv}, "")
	require.Equal(t, v0, got, "Decrypt version")
	require.Equal(t, "hi", string(dec.Plaintext), "plaintext")

	// With it: Encrypt with version 1, and a Decrypt that names only the
	// version (no KeyId), as the transfer SDKs send it.
	enc, got = callMeta[*pb.EncryptResponse](t, f.e, "Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("v1")}, v1)
	require.Equal(t, v1, got, "Encrypt with the header")
	_, err := f.e.Call("Decrypt", &pb.DecryptRequest{KeyId: keyA, CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv})
	require.KMSError(t, err, 400, "InvalidParameter") // version 0 cannot open it
	dec, got = callMeta[*pb.DecryptResponse](t, f.e, "Decrypt", &pb.DecryptRequest{CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv}, v1)
	require.Equal(t, v1, got, "Decrypt by header")
	require.Equal(t, keyA, dec.KeyId, "KeyId")
	if !bytes.Equal(dec.Plaintext, []byte("v1")) {
		t.Fatalf("plaintext %q", dec.Plaintext)
	}
	_, got = callMeta[*pb.AdvanceEncryptResponse](t, f.e, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("x")}, v0)
	require.Equal(t, v0, got, "AdvanceEncrypt with the header")

	// A version of no key, or of another key: 404 Forbidden.KeyNotFound.
	f.importKey("key-bbbbbbbbbbbbbbbbbbbbb", kms.SpecAES256, material(32, 3))
	other := versionID("key-bbbbbbbbbbbbbbbbbbbbb", 0)
	for _, vid := range []string{other, keyA + "-nosuchvers"} {
		_, _, err = f.e.CallMeta("Encrypt", &pb.EncryptRequest{KeyId: keyA, Plaintext: []byte("x")}, kms.Meta{KeyVersionID: vid})
		require.KMSError(t, err, 404, "Forbidden.KeyNotFound")
	}
	_, _, err = f.e.CallMeta("Decrypt", &pb.DecryptRequest{CiphertextBlob: enc.CiphertextBlob, Iv: enc.Iv}, kms.Meta{KeyVersionID: "key-ccccccccccccccccccccc-v000000000"})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")
	// A blob made with one version, opened under the header of another.
	_, _, err = f.e.CallMeta("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: adv.CiphertextBlob}, kms.Meta{KeyVersionID: v0})
	require.KMSError(t, err, 400, "InvalidParameter")
	// Operations without a version refuse the header instead of ignoring it.
	_, _, err = f.e.CallMeta("GenerateRandom", &pb.GenerateRandomRequest{Length: 8}, kms.Meta{KeyVersionID: v0})
	require.KMSError(t, err, 400, "InvalidParameter")
	// Errors carry no metadata.
	_, m, err := f.e.CallMeta("Encrypt", &pb.EncryptRequest{KeyId: "key-nonexistentnonexist0"}, kms.Meta{})
	require.KMSError(t, err, 404, "Forbidden.KeyNotFound")
	require.Equal(t, "", m.KeyVersionID, "metadata of an error")
}
