package kms_test

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/require"
)

// oldRecord is a key record exactly as engines wrote it before the record
// had explicit field names and a schema number.
func oldRecord(t testing.TB) (id string, raw []byte, material [][]byte) {
	t.Helper()
	raw, err := os.ReadFile("testdata/keyrecord-schema0.json")
	require.NoError(t, err)
	var r struct {
		KeyId    string
		Versions []struct{ Material []byte }
	}
	require.NoError(t, json.Unmarshal(raw, &r))
	for _, v := range r.Versions {
		material = append(material, v.Material)
	}
	return r.KeyId, raw, material
}

func putRaw(t testing.TB, m *store.Memory, key string, value []byte) {
	t.Helper()
	require.NoError(t, m.Commit(nil, []store.Write{{Key: key, Value: value}}))
}

// TestSchema0RecordsStillOpen: a store written before the schema number
// opens: every field reads back, the material encrypts what Go's own
// AES-GCM opens, and the first write stores it as the current schema
// with nothing lost.
func TestSchema0RecordsStillOpen(t *testing.T) {
	f := newFixture(t)
	f.clock.now = time.Date(2026, 4, 20, 0, 0, 0, 0, time.UTC) // rotation not due
	id, raw, material := oldRecord(t)
	putRaw(t, f.mem, "keys/"+id, raw)

	md := call[*pb.KeyResponse](f, "DescribeKey", &pb.KeyIdRequest{KeyId: id}).KeyMetadata
	require.Equal(t, "written before the record had a schema", md.Description)
	require.Equal(t, "EXTERNAL", md.Origin)
	require.Equal(t, "2026-01-15T08:00:00Z", md.CreationDate)
	require.Equal(t, "2026-04-15T08:00:00Z", md.LastRotationDate)
	require.Equal(t, "2026-05-15T08:00:00Z", md.NextRotationDate)
	require.Equal(t, id+"-v000000001", md.InitialKeyVersionId)
	require.Equal(t, id+"-v000000002", md.PrimaryKeyVersionId)
	require.Equal(t, "30d", md.RotationInterval)
	require.Equal(t, "Enabled", md.DeletionProtection)
	require.Equal(t, "keep", md.DeletionProtectionDescription)
	require.Equal(t, 1, len(md.Tags))
	require.Equal(t, "payments", md.Tags[0].TagValue)

	iv := bytes.Repeat([]byte{7}, 12)
	enc := call[*pb.AdvanceEncryptResponse](f, "AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: id, Plaintext: []byte("old store"), Iv: iv})
	require.Equal(t, id+"-v000000002", enc.KeyVersionId)
	// Encrypt uses the initial version: Go's AES-GCM under the material of
	// the file opens it.
	raw1 := call[*pb.EncryptResponse](f, "Encrypt", &pb.EncryptRequest{KeyId: id, Plaintext: []byte("initial"), Iv: iv})
	block, err := aes.NewCipher(material[0])
	require.NoError(t, err)
	g, _ := cipher.NewGCM(block)
	pt, err := g.Open(nil, iv, raw1.CiphertextBlob, nil)
	require.NoError(t, err)
	require.Equal(t, "initial", string(pt))

	call[*pb.KeyResponse](f, "UpdateKeyDescription", &pb.UpdateKeyDescriptionRequest{KeyId: id, Description: "rewritten"})
	now, _, err := f.mem.Get(store.KeyPrefix + id)
	require.NoError(t, err)
	var fields map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(now, &fields))
	require.Equal(t, "1", string(fields["Schema"]))
	var before map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(raw, &before))
	for name, v := range before {
		if name != "Description" {
			require.Equal(t, string(v), string(fields[name]), "field", name)
		}
	}
	require.Equal(t, "old store", string(f.open(enc.CiphertextBlob).Plaintext))
}

// TestNewerSchemaIsRefused: a record from a newer pocketkms is an error
// naming the cause, never misread.
func TestNewerSchemaIsRefused(t *testing.T) {
	f := newFixture(t)
	id, raw, _ := oldRecord(t)
	putRaw(t, f.mem, "keys/"+id, []byte(strings.Replace(string(raw), "{", `{"Schema":3,`, 1)))
	_, err := f.e.Call("DescribeKey", &pb.KeyIdRequest{KeyId: id})
	require.KMSError(t, err, 500, "InternalFailure", "newer")
	_, err = f.e.Call("ListKeys", &pb.ListKeysRequest{})
	require.KMSError(t, err, 500, "InternalFailure", "newer")
}

// FuzzKeyRecord: whatever bytes a store holds for a key record (damaged,
// hand-edited, from another version), the operations that read it answer
// with the record's data or a 500 naming it, never a panic, and reads of it
// write nothing.
func FuzzKeyRecord(f *testing.F) {
	_, raw, _ := oldRecord(f)
	f.Add(raw)
	f.Add([]byte(strings.Replace(string(raw), "{", `{"Schema":1,`, 1)))
	f.Add([]byte(strings.Replace(string(raw), `"Versions":[`, `"Versions":[{"KeyVersionId":"x"},`, 1)))
	f.Add([]byte(`{"KeyId":"key-schema000000000000001","KeySpec":"Aliyun_SM4","KeyState":"Enabled","RotationSeconds":604800,"Versions":[{"KeyVersionId":"v"}]}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, record []byte) {
		fx := newFixture(t)
		id := "key-schema000000000000001"
		putRaw(t, fx.mem, store.KeyPrefix+id, record)
		_, rev, _ := fx.mem.Get(store.KeyPrefix + id)
		for _, c := range []struct {
			api string
			req pb.Message
		}{
			{"DescribeKey", &pb.KeyIdRequest{KeyId: id}},
			{"ListKeys", &pb.ListKeysRequest{}},
			{"ListKeyVersions", &pb.KeyIdRequest{KeyId: id}},
			{"AdvanceDecrypt", &pb.AdvanceDecryptRequest{KeyId: id, CiphertextBlob: []byte("x"), Iv: make([]byte, 12)}},
		} {
			resp, err := fx.e.Call(c.api, c.req)
			if (err == nil) == (resp == nil) {
				t.Fatalf("%s: response %v, error %v", c.api, resp, err)
			}
		}
		if _, now, _ := fx.mem.Get(store.KeyPrefix + id); now != rev {
			t.Fatal("a read rewrote the record")
		}
		// An encryption may store a due rotation; it must still not panic.
		fx.e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: id, Plaintext: []byte("p")})
		fx.e.Call("Encrypt", &pb.EncryptRequest{KeyId: id, Plaintext: []byte("p")})
	})
}
