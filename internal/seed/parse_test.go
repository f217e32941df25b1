package seed

import (
	"encoding/base64"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

const (
	kid1 = "key-seedtest0000000000001"
	kid3 = "key-seedtest0000000000003"
	vid1 = kid1 + "-v000000001"
	vid2 = kid1 + "-v000000002"
)

func TestLoadGood(t *testing.T) {
	f, err := Load("testdata/good.json")
	if err != nil {
		t.Fatal(err)
	}
	if f.Name != "testdata/good.json" || len(f.ClientKeys) != 2 || len(f.Keys) != 3 {
		t.Fatalf("got %s with %d ClientKeys and %d Keys", f.Name, len(f.ClientKeys), len(f.Keys))
	}
	if f.ClientKeys[1].KeyId != "key_for_unit_test" {
		t.Errorf("a ClientKeyContent entry's KeyId comes from the content, got %q", f.ClientKeys[1].KeyId)
	}
	k := f.Keys[0]
	if k.KeyId != kid1 || k.RotationInterval != "30d" || len(k.Aliases) != 2 || len(k.Versions) != 2 ||
		k.Versions[1].KeyVersionId != vid2 || len(k.Versions[1].KeyMaterial) != 32 || k.Versions[1].KeyMaterial[0] != 32 {
		t.Errorf("Keys[0] = %v", k)
	}
	if s := f.ClientKeys[1].String() + f.ClientKeys[1].GoString(); strings.Contains(s, "1234") {
		t.Errorf("String shows the password: %s", s)
	}
}

// b64 is n bytes of key material, base64.
func b64(n int) string { return base64.StdEncoding.EncodeToString(make([]byte, n)) }

const certPEM = "-----BEGIN CERTIFICATE-----\\nMIIB\\n-----END CERTIFICATE-----\\n"

func TestParseErrors(t *testing.T) {
	ck := `{\"KeyId\":\"KAAP.a\",\"PrivateKeyData\":\"MIIB\"}`
	tests := []struct {
		name, doc, field, msg string
	}{
		{"empty", ``, "", "is not valid JSON"},
		{"syntax", "{\n \"Keys\": [}", "", "line 2, column 11"},
		{"not an object", `[]`, "", "must be a JSON object, not a list"},
		{"not UTF-8", "{\"Keys\":[{\"Description\":\"\xff\"}]}", "", "UTF-8"},
		{"unknown top", `{"Key": []}`, "Key", "unknown field; a seed file has AccessKeys, ClientKeys, Keys"},
		{"wrong case top", `{"keys": []}`, "keys", "did you mean Keys?"},
		{"top twice", `{"Keys": [], "Keys": []}`, "Keys", "given twice"},
		{"Keys not a list", `{"Keys": {}}`, "Keys", "must be a list, not an object"},
		{"entry not an object", `{"Keys": ["key-x"]}`, "Keys[0]", "must be a JSON object, not a string"},
		{"misspelled field", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpc": "Aliyun_SM4"}]}`, "Keys[0].KeySpc", "unknown field; a Keys entry has KeyId, KeySpec, KeyUsage, Description, Aliases, RotationInterval, KeyState, Versions"},
		{"wrong case field", `{"Keys": [{"keyId": "` + kid1 + `"}]}`, "Keys[0].keyId", "did you mean KeyId?"},
		{"field twice", `{"Keys": [{"KeyId": "` + kid1 + `", "KeyId": "` + kid3 + `"}]}`, "Keys[0].KeyId", "given twice"},
		{"KeyId number", `{"Keys": [{"KeyId": 7}]}`, "Keys[0].KeyId", "must be a string, not a number"},
		{"KeyId shape", `{"Keys": [{"KeyId": "key-ABC"}]}`, "Keys[0].KeyId", `"key-ABC" is not a key id`},
		{"unknown spec", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpec": "RSA_1024"}]}`, "Keys[0].KeySpec", `"RSA_1024" cannot be imported`},
		{"EC encryption", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpec": "EC_P256", "KeyUsage": "ENCRYPT/DECRYPT"}]}`, "Keys[0].KeyUsage", "EC_P256 keys only sign"},
		{"asymmetric rotation", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpec": "RSA_2048", "RotationInterval": "30d"}]}`, "Keys[0].RotationInterval", "do not rotate"},
		{"asymmetric material", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpec": "EC_SM2", "Versions": [{"KeyMaterial": "AAAA"}]}]}`, "Keys[0].Versions[0].KeyMaterial", "neither DER nor PEM"},
		{"asymmetric PEM type", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpec": "EC_SM2", "Versions": [{"KeyMaterial": "-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n"}]}]}`, "Keys[0].Versions[0].KeyMaterial", "PKCS#8"},
		{"usage", `{"Keys": [{"KeyId": "` + kid1 + `", "KeyUsage": "SIGN/VERIFY"}]}`, "Keys[0].KeyUsage", "symmetric keys are ENCRYPT/DECRYPT"},
		{"description", `{"Keys": [{"KeyId": "` + kid1 + `", "Description": "` + strings.Repeat("d", 8193) + `"}]}`, "Keys[0].Description", "8193 characters"},
		{"lone surrogate", `{"Keys": [{"Aliases": ["alias/a"], "Description": "ok \ud800"}]}`, "Keys[0].Description", "half of a UTF-16 surrogate pair"},
		{"Aliases not a list", `{"Keys": [{"Aliases": "alias/a"}]}`, "Keys[0].Aliases", "must be a list, not a string"},
		{"alias not a string", `{"Keys": [{"Aliases": ["alias/a", 3]}]}`, "Keys[0].Aliases[1]", "must be a string, not a number"},
		{"alias shape", `{"Keys": [{"Aliases": ["alias/ok", "app"]}]}`, "Keys[0].Aliases[1]", `must start with "alias/"`},
		{"reserved alias", `{"Keys": [{"Aliases": ["alias/acs/x"]}]}`, "Keys[0].Aliases[0]", "reserved"},
		{"rotation", `{"Keys": [{"KeyId": "` + kid1 + `", "RotationInterval": "1d"}]}`, "Keys[0].RotationInterval", "between 7d and 730d"},
		{"rotation shape", `{"Keys": [{"KeyId": "` + kid1 + `", "RotationInterval": "monthly"}]}`, "Keys[0].RotationInterval", "<number><d|h|m|s>"},
		{"state", `{"Keys": [{"KeyId": "` + kid1 + `", "KeyState": "PendingDeletion"}]}`, "Keys[0].KeyState", "use Enabled (the default) or Disabled"},
		{"anonymous", `{"Keys": [{"KeyId": "` + kid1 + `"}, {"KeySpec": "Aliyun_SM4"}]}`, "Keys[1]", "needs a KeyId or at least one alias"},
		{"Versions not a list", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": {}}]}`, "Keys[0].Versions", "must be a list"},
		{"version not an object", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{}, 5]}]}`, "Keys[0].Versions[1]", "must be a JSON object, not a number"},
		{"version field", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{"Material": "AAAA"}]}]}`, "Keys[0].Versions[0].Material", "a Versions entry has KeyVersionId, KeyMaterial, CreationDate"},
		{"material base64", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{"KeyMaterial": "not*base64!"}]}]}`, "Keys[0].Versions[0].KeyMaterial", "is not standard base64"},
		{"material unpadded", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{"KeyMaterial": "` + strings.TrimRight(b64(32), "=") + `"}]}]}`, "Keys[0].Versions[0].KeyMaterial", "is not standard base64"},
		{"material number", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{"KeyMaterial": 12}]}]}`, "Keys[0].Versions[0].KeyMaterial", "must be a base64 string, not a number"},
		{"material size", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{}, {"KeyMaterial": "` + b64(31) + `"}]}]}`, "Keys[0].Versions[1].KeyMaterial", "is 31 bytes, Aliyun_AES_256 needs 32"},
		{"SM4 material size", `{"Keys": [{"KeyId": "` + kid1 + `", "KeySpec": "Aliyun_SM4", "Versions": [{"KeyMaterial": "` + b64(32) + `"}]}]}`, "Keys[0].Versions[0].KeyMaterial", "is 32 bytes, Aliyun_SM4 needs 16"},
		{"version without KeyId", `{"Keys": [{"Aliases": ["alias/a"], "Versions": [{"KeyVersionId": "` + vid1 + `"}]}]}`, "Keys[0].Versions[0].KeyVersionId", "needs the entry's KeyId"},
		{"version of another key", `{"Keys": [{"KeyId": "` + kid3 + `", "Versions": [{"KeyVersionId": "` + vid1 + `"}]}]}`, "Keys[0].Versions[0].KeyVersionId", "is not a version id of " + kid3},
		{"version twice", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{"KeyVersionId": "` + vid1 + `"}, {"KeyVersionId": "` + vid1 + `"}]}]}`, "Keys[0].Versions[1].KeyVersionId", "is also Versions[0]"},
		{"creation date", `{"Keys": [{"KeyId": "` + kid1 + `", "Versions": [{"CreationDate": "yesterday"}]}]}`, "Keys[0].Versions[0].CreationDate", "RFC 3339"},
		{"KeyId twice", `{"Keys": [{"KeyId": "` + kid1 + `"}, {"KeyId": "` + kid3 + `"}, {"KeyId": "` + kid1 + `"}]}`, "Keys[2].KeyId", "is also Keys[0].KeyId"},
		{"alias twice", `{"Keys": [{"KeyId": "` + kid1 + `", "Aliases": ["alias/a"]}, {"Aliases": ["alias/b", "alias/a"]}]}`, "Keys[1].Aliases[1]", "alias/a is also Keys[0].Aliases[0]"},
		{"alias twice in one entry", `{"Keys": [{"Aliases": ["alias/a", "alias/a"]}]}`, "Keys[0].Aliases[1]", "is also Keys[0].Aliases[0]"},
		{"ClientKeys not a list", `{"ClientKeys": "x"}`, "ClientKeys", "must be a list"},
		{"client unknown field", `{"ClientKeys": [{"KeyId": "a", "Certificate": "` + certPEM + `", "Pasword": "x"}]}`, "ClientKeys[0].Pasword", "unknown field; a ClientKeys entry has KeyId, Certificate, ClientKeyContent, Password"},
		{"client field type", `{"ClientKeys": [{"KeyId": ["a"]}]}`, "ClientKeys[0].KeyId", "must be a string, not a list"},
		{"client lone surrogate", `{"ClientKeys": [{"KeyId": "a\udc00", "Certificate": "` + certPEM + `"}]}`, "ClientKeys[0].KeyId", "surrogate pair"},
		{"client neither", `{"ClientKeys": [{"KeyId": "a"}]}`, "ClientKeys[0]", "needs Certificate (with KeyId) or ClientKeyContent (with Password)"},
		{"client both", `{"ClientKeys": [{"Certificate": "` + certPEM + `", "ClientKeyContent": "` + ck + `", "Password": "p"}]}`, "ClientKeys[0]", "has both"},
		{"cert without id", `{"ClientKeys": [{"Certificate": "` + certPEM + `"}]}`, "ClientKeys[0].KeyId", "is required with Certificate"},
		{"cert with password", `{"ClientKeys": [{"KeyId": "a", "Certificate": "` + certPEM + `", "Password": "p"}]}`, "ClientKeys[0].Password", "only goes with ClientKeyContent"},
		{"cert not PEM", `{"ClientKeys": [{"KeyId": "a", "Certificate": "MIIB"}]}`, "ClientKeys[0].Certificate", "holds no PEM block"},
		{"cert id", `{"ClientKeys": [{"KeyId": "KAAP a", "Certificate": "` + certPEM + `"}]}`, "ClientKeys[0].KeyId", "outside printable ASCII"},
		{"cert two blocks", `{"ClientKeys": [{"KeyId": "a", "Certificate": "` + certPEM + certPEM + `"}]}`, "ClientKeys[0].Certificate", "exactly one PEM block"},
		{"content bad id", `{"ClientKeys": [{"ClientKeyContent": "{\"KeyId\":\"a/b\",\"PrivateKeyData\":\"MIIB\"}", "Password": "p"}]}`, "ClientKeys[0].ClientKeyContent", "KeyId: ClientKey id"},
		{"cert wrong PEM", `{"ClientKeys": [{"KeyId": "a", "Certificate": "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"}]}`, "ClientKeys[0].Certificate", `holds a PEM "PRIVATE KEY" block`},
		{"content not JSON", `{"ClientKeys": [{"ClientKeyContent": "KAAP", "Password": "p"}]}`, "ClientKeys[0].ClientKeyContent", "is not a ClientKey file"},
		{"content without id", `{"ClientKeys": [{"ClientKeyContent": "{\"PrivateKeyData\":\"MIIB\"}", "Password": "p"}]}`, "ClientKeys[0].ClientKeyContent", "it has no KeyId"},
		{"content without data", `{"ClientKeys": [{"ClientKeyContent": "{\"KeyId\":\"a\"}", "Password": "p"}]}`, "ClientKeys[0].ClientKeyContent", "PrivateKeyData must be"},
		{"content id mismatch", `{"ClientKeys": [{"KeyId": "KAAP.b", "ClientKeyContent": "` + ck + `", "Password": "p"}]}`, "ClientKeys[0].KeyId", `is "KAAP.b" but the ClientKeyContent is for "KAAP.a"`},
		{"content without password", `{"ClientKeys": [{"ClientKeyContent": "` + ck + `"}]}`, "ClientKeys[0].Password", "is required with ClientKeyContent"},
		{"client twice", `{"ClientKeys": [{"ClientKeyContent": "` + ck + `", "Password": "p"}, {"KeyId": "KAAP.a", "Certificate": "` + certPEM + `"}]}`, "ClientKeys[1].KeyId", "KAAP.a is also ClientKeys[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("x.json", []byte(tt.doc))
			var se *Error
			if !errors.As(err, &se) {
				t.Fatalf("got %v, want a *seed.Error", err)
			}
			if se.File != "x.json" || se.Field != tt.field || !strings.Contains(se.Msg, tt.msg) {
				t.Fatalf("got %q (field %q)\nwant field %q and a message with %q", err, se.Field, tt.field, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "seed file x.json: "+tt.field) {
				t.Errorf("message %q does not start with the file and field", err)
			}
			if strings.Contains(err.Error(), "not*base64") || strings.Contains(err.Error(), "AAAAAAAA") {
				t.Errorf("message quotes key material: %q", err)
			}
		})
	}
}

// The seed's table of key lengths must be the engine's.
func TestMaterialSizesMatchEngine(t *testing.T) {
	e := kms.New(store.NewMemory(), kms.NewConfig())
	for spec, size := range materialSize {
		for _, n := range []int{size - 1, size, size + 8} {
			_, err := e.Call("ImportKey", &pb.ImportKeyRequest{KeySpec: spec, Versions: []*pb.ImportedVersion{{KeyMaterial: make([]byte, n)}}})
			if (err == nil) != (n == size) {
				t.Errorf("%s with %d bytes: engine says %v, seed expects %d", spec, n, err, size)
			}
		}
	}
}

func TestLoadMissing(t *testing.T) {
	_, err := Load("testdata/absent.json")
	var se *Error
	if !errors.As(err, &se) || !errors.Is(err, os.ErrNotExist) && !strings.Contains(err.Error(), "no such file") {
		t.Fatalf("got %v", err)
	}
}
