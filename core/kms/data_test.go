package kms_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"testing"

	"github.com/emmansun/gmsm/sm4"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/modes"
	"github.com/pocketkms/pocketkms/internal/require"
)

var specSizes = map[string]int{kms.SpecAES128: 16, kms.SpecAES192: 24, kms.SpecAES256: 32, kms.SpecSM4: 16}

func algorithmsFor(spec string) []string {
	if spec == kms.SpecSM4 {
		return []string{modes.SM4_GCM, modes.SM4_CBC, modes.SM4_ECB}
	}
	return []string{modes.AES_GCM, modes.AES_CBC, modes.AES_ECB}
}

// TestEveryModePaddingKeySize runs Encrypt/Decrypt, AdvanceEncrypt/
// AdvanceDecrypt and the Encrypt→AdvanceDecrypt crossing for every key spec,
// algorithm, padding and a spread of lengths.
func TestEveryModePaddingKeySize(t *testing.T) {
	f := newFixture(t)
	for spec := range specSizes {
		md := f.createKey(spec)
		for _, alg := range algorithmsFor(spec) {
			s, _ := modes.Lookup(alg)
			pads := []string{""}
			if s.Padded() {
				pads = []string{"", modes.PKCS7, modes.NoPad}
			}
			for _, pad := range pads {
				for _, n := range []int{0, 1, 16, 33, 1024} {
					if pad == modes.NoPad && (n == 0 || n%16 != 0) {
						continue
					}
					t.Run(fmt.Sprintf("%s/%s/%s/%d", spec, alg, pad, n), func(t *testing.T) {
						pt := bytes.Repeat([]byte{byte(n)}, n)
						var aad []byte
						if s.Mode == modes.GCM {
							aad = []byte("ctx")
						}
						wantPad := pad
						if s.Padded() && pad == "" {
							wantPad = modes.PKCS7
						}
						enc := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: md.KeyId, Plaintext: pt, Algorithm: alg, PaddingMode: pad, Aad: aad})
						require.Equal(t, s.IVSize(), len(enc.Iv))
						require.Equal(t, wantPad, enc.PaddingMode)
						require.Equal(t, alg, enc.Algorithm)
						dec := call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: md.KeyId, CiphertextBlob: enc.CiphertextBlob, Algorithm: alg, Iv: enc.Iv, PaddingMode: pad, Aad: aad})
						require.Equal(t, pt, dec.Plaintext)

						adv := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: md.KeyId, Plaintext: pt, Algorithm: alg, PaddingMode: pad, Aad: aad})
						require.Equal(t, md.PrimaryKeyVersionId, adv.KeyVersionId)
						ad := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: adv.CiphertextBlob, Aad: aad})
						require.Equal(t, pt, ad.Plaintext)
						require.Equal(t, wantPad, ad.PaddingMode)
						require.Equal(t, alg, ad.Algorithm)

						cross := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{KeyId: md.KeyId, CiphertextBlob: enc.CiphertextBlob, Algorithm: alg, Iv: enc.Iv, PaddingMode: pad, Aad: aad})
						require.Equal(t, pt, cross.Plaintext)
						require.Equal(t, md.InitialKeyVersionId, cross.KeyVersionId)
					})
				}
			}
		}
	}
}

// TestRawOutputOpensWithStandardLibrary: given the imported material and the
// returned Iv, Go's own crypto opens what Encrypt returned.
func TestRawOutputOpensWithStandardLibrary(t *testing.T) {
	f := newFixture(t)
	for spec, size := range specSizes {
		m := material(size, 0x42)
		id := "key-" + fmt.Sprintf("%021d", size) // distinct per size
		if spec == kms.SpecSM4 {
			id = "key-sm4sm4sm4sm4sm4sm4sm4sm"[:25]
		}
		f.importKey(id, spec, m)
		var b cipher.Block
		if spec == kms.SpecSM4 {
			b, _ = sm4.NewCipher(m)
		} else {
			b, _ = aes.NewCipher(m)
		}
		pt := []byte("the quick brown fox jumps")
		for _, alg := range algorithmsFor(spec) {
			t.Run(spec+"/"+alg, func(t *testing.T) {
				enc := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: id, Plaintext: pt, Algorithm: alg})
				var got []byte
				switch s, _ := modes.Lookup(alg); s.Mode {
				case modes.GCM:
					g, _ := cipher.NewGCM(b)
					var err error
					got, err = g.Open(nil, enc.Iv, enc.CiphertextBlob, nil)
					require.NoError(t, err)
				case modes.CBC:
					got = make([]byte, len(enc.CiphertextBlob))
					cipher.NewCBCDecrypter(b, enc.Iv).CryptBlocks(got, enc.CiphertextBlob)
					got = got[:len(got)-int(got[len(got)-1])]
				case modes.ECB:
					got = make([]byte, len(enc.CiphertextBlob))
					for i := 0; i < len(got); i += 16 {
						b.Decrypt(got[i:i+16], enc.CiphertextBlob[i:i+16])
					}
					got = got[:len(got)-int(got[len(got)-1])]
				}
				require.Equal(t, pt, got)
			})
		}
	}
}

// TestKnownAnswerAdvanceEncrypt pins a whole blob for imported material and
// a fixed Iv: the bytes every runtime must reproduce.
func TestKnownAnswerAdvanceEncrypt(t *testing.T) {
	f := newFixture(t)
	m := material(32, 0x01)
	f.importKey(keyA, kms.SpecAES256, m)
	iv := bytes.Repeat([]byte{0x02}, 12)
	resp := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hello"), Aad: []byte("aad"), Iv: iv})
	b, _ := aes.NewCipher(m)
	g, _ := cipher.NewGCM(b)
	want := append([]byte{'$', 0, 2}, versionID(keyA, 0)...)
	want = append(want, iv...)
	want = g.Seal(want, iv, []byte("hello"), []byte("aad"))
	require.Equal(t, want, resp.CiphertextBlob)
	require.Equal(t, versionID(keyA, 0), resp.KeyVersionId)
}

// TestIVsNeverRepeat samples random IVs: a repeat under one GCM key is fatal.
func TestIVsNeverRepeat(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	seen := map[string]bool{}
	for i := 0; i < 5000; i++ {
		r := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: md.KeyId, Plaintext: []byte("x")})
		require.True(t, !seen[string(r.Iv)], "IV repeated after", i)
		seen[string(r.Iv)] = true
	}
}

func TestDataKeys(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	for _, n := range []int32{0, 1, 16, 1024} {
		dk := call[*pb.GenerateDataKeyResponse](f, "GenerateDataKey", &pb.GenerateDataKeyRequest{KeyId: md.KeyId, NumberOfBytes: n, Aad: []byte("a")})
		want := int(n)
		if n == 0 {
			want = 32
		}
		require.Equal(t, want, len(dk.Plaintext))
		require.Equal(t, modes.AES_GCM, dk.Algorithm)
		dec := call[*pb.DecryptResponse](f, "Decrypt", &pb.DecryptRequest{KeyId: md.KeyId, CiphertextBlob: dk.CiphertextBlob, Iv: dk.Iv, Aad: []byte("a")})
		require.Equal(t, dk.Plaintext, dec.Plaintext)

		adk := call[*pb.AdvanceGenerateDataKeyResponse](f, "AdvanceGenerateDataKey", &pb.AdvanceGenerateDataKeyRequest{KeyId: md.KeyId, NumberOfBytes: n})
		ad := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: adk.CiphertextBlob})
		require.Equal(t, adk.Plaintext, ad.Plaintext)
		require.Equal(t, adk.KeyVersionId, ad.KeyVersionId)
	}
	sm := f.createKey(kms.SpecSM4)
	dk := call[*pb.AdvanceGenerateDataKeyResponse](f, "AdvanceGenerateDataKey", &pb.AdvanceGenerateDataKeyRequest{KeyId: sm.KeyId})
	require.Equal(t, modes.SM4_GCM, dk.Algorithm)
	r := call[*pb.GenerateRandomResponse](f, "GenerateRandom", &pb.GenerateRandomRequest{Length: 64})
	require.Equal(t, 64, len(r.Random))
}

// TestAdvanceDecryptTamper: every bit flip and truncation of a blob, and a
// changed Aad, fail with InvalidParameter (or KeyNotFound when the flip lands
// in the key id) and never return plaintext.
func TestAdvanceDecryptTamper(t *testing.T) {
	f := newFixture(t)
	md := f.createKey("")
	blob := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: md.KeyId, Plaintext: []byte("secret"), Aad: []byte("a")}).CiphertextBlob
	for i := 0; i < len(blob)*8; i++ {
		bad := append([]byte(nil), blob...)
		bad[i/8] ^= 1 << (i % 8)
		resp, err := f.e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: bad, Aad: []byte("a")})
		require.True(t, resp == nil && err != nil, "bit", i)
	}
	for n := 1; n < len(blob); n++ {
		_, err := f.e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob[:n], Aad: []byte("a")})
		require.KMSError(t, err, 400, "InvalidParameter", "truncated to", n)
	}
	_, err := f.e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob, Aad: []byte("b")})
	require.KMSError(t, err, 400, "InvalidParameter")
	// A redundant but consistent KeyId, Algorithm and Iv are tolerated.
	ok := call[*pb.AdvanceDecryptResponse](f, "AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: blob, Aad: []byte("a"), KeyId: md.KeyId, Algorithm: "AES_GCM", Iv: blob[39:51]})
	require.Equal(t, []byte("secret"), ok.Plaintext)
}

// FuzzAdvanceDecrypt feeds arbitrary blobs and parameters: never a panic,
// always either plaintext or a *kmserr.Error.
func FuzzAdvanceDecrypt(f *testing.F) {
	fx := newFixture(f)
	fx.importKey(keyA, kms.SpecAES256, material(32, 1))
	blob := call[*pb.AdvanceEncryptResponse](fx, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hi")}).CiphertextBlob
	cbc := call[*pb.AdvanceEncryptResponse](fx, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: keyA, Plaintext: []byte("hi"), Algorithm: "AES_CBC"}).CiphertextBlob
	f.Add(blob, "", "", []byte(nil), []byte(nil), "")
	f.Add(cbc, "", "", []byte(nil), []byte(nil), "NO_PADDING")
	f.Add([]byte("raw"), keyA, "AES_CBC", make([]byte, 16), []byte(nil), "")
	f.Fuzz(func(t *testing.T, ct []byte, keyID, alg string, iv, aad []byte, pad string) {
		resp, err := fx.e.Call("AdvanceDecrypt", &pb.AdvanceDecryptRequest{CiphertextBlob: ct, KeyId: keyID, Algorithm: alg, Iv: iv, Aad: aad, PaddingMode: pad})
		if err == nil && resp == nil {
			t.Fatal("no response and no error")
		}
		if err != nil && resp != nil {
			t.Fatal("response with error")
		}
	})
}
