package kms_test

import (
	"bytes"
	"encoding/hex"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/require"
)

// TestDocumentedExamples pins the worked examples of docs/ciphertext-format.md.
func TestDocumentedExamples(t *testing.T) {
	f := newFixture(t)
	f.importKey(keyA, kms.SpecAES256, material(32, 1))
	kv := hex.EncodeToString([]byte(versionID(keyA, 0)))
	gcm := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hello"), Aad: []byte("aad"), Iv: bytes.Repeat([]byte{2}, 12)})
	require.Equal(t, "240002"+kv+"020202020202020202020202"+"6fb3a52525"+"fdf96a2adb727c1f577e1a8c7c6db4d2", hex.EncodeToString(gcm.CiphertextBlob))
	cbc := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hello"), Algorithm: "AES_CBC", Iv: bytes.Repeat([]byte{3}, 16)})
	require.Equal(t, "240103"+kv+"03030303030303030303030303030303"+"5005a3f6af03b3ea62f11d34e7235818", hex.EncodeToString(cbc.CiphertextBlob))
}
