package seed

import (
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/emmansun/gmsm/sm4"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
	"github.com/pocketkms/pocketkms/internal/blob"
)

// fakeRecord stands in for internal/clientkeys: it stamps the time, as a real
// registry may, so that a second apply must look past CreationDate.
func fakeRecord(e ClientKeyEntry) (string, []byte, error) {
	src := e.Certificate
	if src == "" {
		sum := sha256.Sum256([]byte(e.ClientKeyContent))
		src = hex.EncodeToString(sum[:])
	}
	v, _ := json.Marshal(map[string]string{"ClientKeyId": e.KeyId, "Public": src, "CreationDate": time.Now().Format(time.RFC3339Nano)})
	return store.ClientKeyPrefix + e.KeyId, v, nil
}

func mustLoad(t *testing.T, doc string) *File {
	t.Helper()
	f, err := Parse("t.json", []byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestApplyTwice(t *testing.T) {
	f, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	s, err := Apply(context.Background(), m, f, fakeRecord)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Committed || len(s.Imported) != 3 || len(s.Existing) != 0 || len(s.ClientKeysAdded) != 2 {
		t.Fatalf("first apply: %+v", s)
	}
	first := storetest.Snapshot(t, m)
	for _, k := range []string{"keys/" + kid1, "keys/" + kid3, "aliases/alias/app", "aliases/alias/app-v2", "aliases/alias/sm4",
		"clientkeys/key_for_unit_test", "clientkeys/KAAP.8c2c6bd4-3b5e-4a9e-9d1b-0f1e2d3c4b5a"} {
		if _, ok := first[k]; !ok {
			t.Errorf("no record %s after the first apply", k)
		}
	}

	s, err = Apply(context.Background(), m, f, fakeRecord)
	if err != nil {
		t.Fatal(err)
	}
	if s.Committed || len(s.Imported) != 0 || len(s.Existing) != 3 || len(s.AliasesAdded) != 0 ||
		len(s.ClientKeysExisting) != 2 || len(s.Notes) != 0 {
		t.Fatalf("second apply: %+v", s)
	}
	if !maps.Equal(first, storetest.Snapshot(t, m)) {
		t.Fatal("the second apply changed the store")
	}

	// What the file says is what the engine reports.
	e := kms.New(m, kms.NewConfig())
	r, err := e.Call("DescribeKey", &pb.KeyIdRequest{KeyId: "alias/app-v2"})
	if err != nil {
		t.Fatal(err)
	}
	md := r.(*pb.KeyResponse).KeyMetadata
	if md.KeyId != kid1 || md.PrimaryKeyVersionId != vid2 || md.InitialKeyVersionId != vid1 || md.VersionCount != 2 ||
		md.AutomaticRotation != "Enabled" || md.Origin != "EXTERNAL" || md.Description != "the application's data key" {
		t.Errorf("DescribeKey: %v", md)
	}
	r, err = e.Call("DescribeKey", &pb.KeyIdRequest{KeyId: kid3})
	if err != nil || r.(*pb.KeyResponse).KeyMetadata.KeyState != "Disabled" {
		t.Errorf("Keys[2]: %v %v", r, err)
	}
}

// gcm seals like the engine's AES_GCM / SM4_GCM: ciphertext then tag.
func gcm(t *testing.T, block cipher.Block, err error, iv, pt, aad []byte) []byte {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	g, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	return g.Seal(nil, iv, pt, aad)
}

func seq(from, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(from + i)
	}
	return b
}

// The seeded material is what the engine encrypts with: Encrypt uses the
// initial version, AdvanceEncrypt the primary (the last listed).
func TestApplyMaterialIsUsed(t *testing.T) {
	f, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	if _, err := Apply(context.Background(), m, f, fakeRecord); err != nil {
		t.Fatal(err)
	}
	e := kms.New(m, kms.NewConfig())
	iv := []byte("fixed iv 12b")
	pt, aad := []byte("seeded plaintext"), []byte("aad")

	r, err := e.Call("Encrypt", &pb.EncryptRequest{KeyId: "alias/app", Plaintext: pt, Aad: aad, Iv: iv})
	if err != nil {
		t.Fatal(err)
	}
	b, err := aes.NewCipher(seq(0, 32))
	if want := gcm(t, b, err, iv, pt, aad); !bytes.Equal(r.(*pb.EncryptResponse).CiphertextBlob, want) {
		t.Errorf("Encrypt does not use Versions[0]'s material")
	}

	r, err = e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: pt, Aad: aad, Iv: iv})
	if err != nil {
		t.Fatal(err)
	}
	ar := r.(*pb.AdvanceEncryptResponse)
	bl, err := blob.Parse(ar.CiphertextBlob)
	if err != nil {
		t.Fatal(err)
	}
	b, err = aes.NewCipher(seq(32, 32))
	if want := gcm(t, b, err, iv, pt, aad); ar.KeyVersionId != vid2 || bl.KeyVersionID != vid2 || !bytes.Equal(bl.Ciphertext, want) {
		t.Errorf("AdvanceEncrypt does not use Versions[1]'s material (version %s)", ar.KeyVersionId)
	}

	r, err = e.Call("AdvanceEncrypt", &pb.AdvanceEncryptRequest{KeyId: "alias/sm4", Plaintext: pt, Aad: aad, Iv: iv})
	if err != nil {
		t.Fatal(err)
	}
	if bl, err = blob.Parse(r.(*pb.AdvanceEncryptResponse).CiphertextBlob); err != nil {
		t.Fatal(err)
	}
	b, err = sm4.NewCipher(seq(100, 16))
	if want := gcm(t, b, err, iv, pt, aad); bl.Algorithm != "SM4_GCM" || !bytes.Equal(bl.Ciphertext, want) {
		t.Errorf("SM4 AdvanceEncrypt does not use the seeded material")
	}
}

// An existing key gets the aliases it lacks; settings changed at run time
// are left alone and noted.
func TestApplyExistingKey(t *testing.T) {
	m := store.NewMemory()
	ctx := context.Background()
	mat := base64.StdEncoding.EncodeToString(seq(0, 32))
	doc := `{"Keys": [{"KeyId": "` + kid1 + `", "Aliases": ["alias/a"], "Versions": [{"KeyVersionId": "` + vid1 + `", "KeyMaterial": "` + mat + `"}]}]}`
	if _, err := Apply(ctx, m, mustLoad(t, doc), nil); err != nil {
		t.Fatal(err)
	}
	e := kms.New(m, kms.NewConfig())
	if _, err := e.Call("DisableKey", &pb.KeyIdRequest{KeyId: kid1}); err != nil {
		t.Fatal(err)
	}
	doc = `{"Keys": [{"KeyId": "` + kid1 + `", "Aliases": ["alias/a", "alias/b"], "Description": "new", "Versions": [{"KeyVersionId": "` + vid1 + `", "KeyMaterial": "` + mat + `"}]}]}`
	s, err := Apply(ctx, m, mustLoad(t, doc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if !s.Committed || len(s.AliasesAdded) != 1 || s.AliasesAdded[0] != "alias/b" || len(s.Existing) != 1 {
		t.Fatalf("%+v", s)
	}
	notes := strings.Join(s.Notes, "\n")
	if !strings.Contains(s.String(), "1 already present, 1 aliases added") || !strings.Contains(s.String(), "\n  note: Keys[0].KeyState: ") {
		t.Errorf("String: %s", s)
	}
	for _, want := range []string{"Keys[0].KeyState: the file says Enabled, the key " + kid1 + " is Disabled; left as is",
		"Keys[0].Description: differs", "Keys[0].Versions[0].KeyMaterial: not checked, the key " + kid1 + " is Disabled"} {
		if !strings.Contains(notes, want) {
			t.Errorf("notes lack %q:\n%s", want, notes)
		}
	}
	// An entry without KeyId is found by its first alias.
	s, err = Apply(ctx, m, mustLoad(t, `{"Keys": [{"Aliases": ["alias/b", "alias/c"]}]}`), nil)
	if err != nil || len(s.Existing) != 1 || s.Existing[0] != kid1 || len(s.AliasesAdded) != 1 {
		t.Fatalf("%+v %v", s, err)
	}
}

// Every apply-time contradiction names entry and field and writes nothing,
// however much of the file came before it.
func TestApplyAtomic(t *testing.T) {
	ctx := context.Background()
	good, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	// The store: good.json applied, then one key of its own bound to alias/taken.
	base := store.NewMemory()
	if _, err := Apply(ctx, base, good, fakeRecord); err != nil {
		t.Fatal(err)
	}
	e := kms.New(base, kms.NewConfig())
	r, err := e.Call("CreateKey", &pb.CreateKeyRequest{})
	if err != nil {
		t.Fatal(err)
	}
	other := r.(*pb.KeyResponse).KeyMetadata.KeyId
	if _, err := e.Call("CreateAlias", &pb.AliasRequest{AliasName: "alias/taken", KeyId: other}); err != nil {
		t.Fatal(err)
	}
	newKey := `{"KeyId": "key-seedtest0000000000009", "Aliases": ["alias/fresh"]}`
	otherMat := base64.StdEncoding.EncodeToString(seq(1, 32))
	tests := []struct {
		name, late, field, msg string
		client                 []string
	}{
		{"alias bound elsewhere", `{"KeyId": "key-seedtest0000000000008", "Aliases": ["alias/x", "alias/taken"]}`, "Keys[3].Aliases[1]", "alias/taken already names " + other, nil},
		{"alias of another key on an existing key", `{"KeyId": "` + kid3 + `", "Aliases": ["alias/taken"]}`, "Keys[3].Aliases[0]", "alias/taken already names " + other, nil},
		{"second alias bound elsewhere", `{"Aliases": ["alias/new", "alias/app"]}`, "Keys[3].Aliases[1]", "alias/app already names " + kid1, nil},
		{"spec differs", `{"KeyId": "` + kid3 + `", "KeySpec": "Aliyun_AES_128"}`, "Keys[3].KeySpec", "is Aliyun_AES_128 but the key " + kid3 + " in the store is Aliyun_AES_256", nil},
		{"spec differs by alias", `{"Aliases": ["alias/sm4"]}`, "Keys[3].KeySpec", "(named by alias/sm4) in the store is Aliyun_SM4", nil},
		{"unknown version", `{"KeyId": "` + kid1 + `", "Versions": [{"KeyVersionId": "` + kid1 + `-v000000003"}]}`, "Keys[3].Versions[0].KeyVersionId", "is not a version of the key " + kid1 + " in the store (it has 2)", nil},
		{"material differs", `{"KeyId": "` + kid1 + `", "Versions": [{"KeyVersionId": "` + vid1 + `"}, {"KeyVersionId": "` + vid2 + `", "KeyMaterial": "` + otherMat + `"}]}`, "Keys[3].Versions[1].KeyMaterial", "differs from the material of " + vid2, nil},
		{"client key differs", `{"KeyId": "key-seedtest0000000000007", "Aliases": ["alias/ok"]}`, "ClientKeys[1]", "already registered with another certificate", []string{"KAAP.8c2c6bd4-3b5e-4a9e-9d1b-0f1e2d3c4b5a"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustLoad(t, `{"Keys": [`+newKey+`, {"KeyId": "key-seedtest0000000000010", "Aliases": ["alias/fresh2"]}, {"Aliases": ["alias/fresh3"]}, `+tt.late+`]}`)
			f.ClientKeys = append(f.ClientKeys, good.ClientKeys...)
			if tt.client != nil {
				f.ClientKeys = f.ClientKeys[1:]
			}
			for _, id := range tt.client {
				f.ClientKeys = append(f.ClientKeys, ClientKeyEntry{KeyId: id, Certificate: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"})
			}
			before := storetest.Snapshot(t, base)
			_, err := Apply(ctx, base, f, fakeRecord)
			var se *Error
			if !errors.As(err, &se) || se.Field != tt.field || !strings.Contains(se.Msg, tt.msg) {
				t.Fatalf("got %v\nwant field %s with %q", err, tt.field, tt.msg)
			}
			if !maps.Equal(before, storetest.Snapshot(t, base)) {
				t.Fatal("a failed apply changed the store")
			}
		})
	}
}

// conflicting fails the first n commits as if another writer got there first.
type conflicting struct {
	*store.Memory
	n, commits int
}

func (c *conflicting) Commit(reads map[string]int64, writes []store.Write) error {
	c.commits++
	if c.n > 0 {
		c.n--
		return store.ErrConflict
	}
	return c.Memory.Commit(reads, writes)
}

func TestApplyRetriesAConflict(t *testing.T) {
	c := &conflicting{Memory: store.NewMemory(), n: 2}
	s, err := Apply(context.Background(), c, mustLoad(t, `{"Keys": [{"Aliases": ["alias/a"]}]}`), nil)
	if err != nil || !s.Committed || c.commits != 3 || len(s.Imported) != 1 {
		t.Fatalf("%+v %v after %d commits", s, err, c.commits)
	}
	keys, _ := c.List("keys/")
	if len(keys) != 1 {
		t.Fatalf("%d keys after retries, want 1", len(keys))
	}
	c = &conflicting{Memory: store.NewMemory(), n: 1 << 30}
	if _, err := Apply(context.Background(), c, mustLoad(t, `{"Keys": [{"Aliases": ["alias/a"]}]}`), nil); err == nil || !strings.Contains(err.Error(), "nothing was written") {
		t.Fatalf("endless conflicts: %v", err)
	}
}

func TestApplyNeedsRegistryForClientKeys(t *testing.T) {
	f, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	m := store.NewMemory()
	_, err = Apply(context.Background(), m, f, nil)
	var se *Error
	if !errors.As(err, &se) || se.Field != "ClientKeys[0]" {
		t.Fatalf("got %v", err)
	}
	if keys, _ := m.List(""); len(keys) != 0 {
		t.Fatalf("store written: %v", keys)
	}
	bad := func(ClientKeyEntry) (string, []byte, error) { return "keys/x", []byte("{}"), nil }
	if _, err := Apply(context.Background(), m, f, bad); err == nil || !strings.Contains(err.Error(), "outside clientkeys/") {
		t.Fatalf("a record outside clientkeys/: %v", err)
	}
}

// Over a sealing store (what disk-backed hosts pass), seeded material is
// sealed at rest, a second apply still writes nothing, and the engine over
// the same sealed store uses the seeded material.
func TestApplySealed(t *testing.T) {
	raw := store.NewMemory()
	sealed, err := store.Sealed(raw, seq(7, 32))
	if err != nil {
		t.Fatal(err)
	}
	f, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(context.Background(), sealed, f, fakeRecord); err != nil {
		t.Fatal(err)
	}
	first := storetest.Snapshot(t, raw)
	for k, v := range first {
		for _, m := range [][]byte{seq(0, 32), seq(32, 32), seq(100, 16)} {
			if strings.Contains(v, string(m)) || strings.Contains(v, base64.StdEncoding.EncodeToString(m)) {
				t.Errorf("record %s holds seeded material in plaintext", k)
			}
		}
	}
	s, err := Apply(context.Background(), sealed, f, fakeRecord)
	if err != nil || s.Committed {
		t.Fatalf("second apply: %+v %v", s, err)
	}
	if !maps.Equal(first, storetest.Snapshot(t, raw)) {
		t.Fatal("the second apply changed the store")
	}
	e := kms.New(sealed, kms.NewConfig())
	iv := []byte("fixed iv 12b")
	r, err := e.Call("Encrypt", &pb.EncryptRequest{KeyId: "alias/app", Plaintext: []byte("p"), Iv: iv})
	if err != nil {
		t.Fatal(err)
	}
	b, err := aes.NewCipher(seq(0, 32))
	if want := gcm(t, b, err, iv, []byte("p"), nil); !bytes.Equal(r.(*pb.EncryptResponse).CiphertextBlob, want) {
		t.Error("Encrypt over the sealed store does not use the seeded material")
	}
}
