package main

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/store"
)

const (
	invalid     = "InvalidParameter"
	missing     = "MissingParameter"
	notFound    = "Forbidden.KeyNotFound"
	noVersion   = "Forbidden.KeyVersionNotFound"
	exists      = "Forbidden.ResourceAlreadyExists"
	noAlias     = "Forbidden.AliasNotFound"
	disabled    = "Rejected.Disabled"
	pending     = "Rejected.PendingDeletion"
	unsupported = "UnsupportedOperation"
)

var lengths = []int{0, 1, 15, 16, 17, 100}

func scenarios() []*builder {
	return []*builder{
		modes("modes-aes128", "Aliyun_AES_128", "AES"),
		modes("modes-aes192", "Aliyun_AES_192", "AES"),
		modes("modes-aes256", "Aliyun_AES_256", "AES"),
		modes("modes-sm4", "Aliyun_SM4", "SM4"),
		rotation(),
		aliases(),
		keyStates(),
		keyAttributes(),
		dataKeys(),
		asymmetric(),
		inspect(),
		errorsScenario(),
		secrets(),
	}
}

// side runs requests on a throwaway engine: how the generator makes inputs
// (old-version blobs, data keys) that a fresh store could not produce itself.
type side struct{ e *kms.Engine }

// Its random source is a fixed stream, so regenerating the vectors gives the
// same files byte for byte.
func newSide() side {
	sides++
	return side{kms.New(store.NewMemory(), kms.NewConfig().WithRand(&detRand{seed: sides}))}
}

var sides uint64

// detRand is SHA-256 in counter mode over a fixed label: deterministic, and
// only ever used to make inputs, never by an engine under test.
type detRand struct {
	seed, n uint64
	buf     []byte
}

func (r *detRand) Read(p []byte) (int, error) {
	for len(r.buf) < len(p) {
		h := sha256.Sum256(binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64([]byte("pocketkms parity side rand "), r.seed), r.n))
		r.n++
		r.buf = append(r.buf, h[:]...)
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (s side) ok(api string, r req) map[string]any {
	raw := mustJSON(r)
	resp, err := call(s.e, api, raw)
	if err != nil {
		panic(fmt.Sprintf("side %s: %v", api, err))
	}
	return resp
}

// modes covers every algorithm of a key spec × padding × plaintext length,
// through Encrypt/Decrypt and AdvanceEncrypt/AdvanceDecrypt, with a fixed Iv.
func modes(name, spec, family string) *builder {
	b := newBuilder(name, fmt.Sprintf("Every algorithm of %s (%s_GCM/CBC/ECB) × padding × plaintext lengths %v, raw and Advance, with a fixed Iv; then the mode errors.", spec, family, lengths))
	label := name[len("modes-"):]
	imp := importReq(label, spec, 1)
	id := imp["KeyId"].(string)
	b.ok("import the key with fixed material", "ImportKey", imp)
	gcmIV, cbcIV := fixedIV(label+"gcm", 12), fixedIV(label+"cbc", 16)

	type variant struct {
		alg, pad string
		iv       []byte
		aad      []byte
	}
	variants := []variant{
		{family + "_GCM", "", gcmIV, aad},
		{family + "_CBC", "PKCS7_PADDING", cbcIV, nil},
		{family + "_CBC", "NO_PADDING", cbcIV, nil},
		{family + "_ECB", "PKCS7_PADDING", nil, nil},
		{family + "_ECB", "NO_PADDING", nil, nil},
	}
	for _, v := range variants {
		for _, n := range lengths {
			pt := plaintext(n)
			enc := req{"KeyId": id, "Plaintext": pt, "Algorithm": v.alg}
			dec := req{"KeyId": id, "Algorithm": v.alg}
			if v.iv != nil {
				enc["Iv"], dec["Iv"] = v.iv, v.iv
			}
			if v.aad != nil {
				enc["Aad"], dec["Aad"] = v.aad, v.aad
			}
			if v.pad != "" {
				enc["PaddingMode"], dec["PaddingMode"] = v.pad, v.pad
			}
			note := fmt.Sprintf("%s %s %d bytes", v.alg, v.pad, n)
			if v.pad == "NO_PADDING" && (n%16 != 0 || n == 0) {
				b.fail(note+": not a positive multiple of the block", "AdvanceEncrypt", invalid, enc)
				b.fail(note+": not a positive multiple of the block", "Encrypt", invalid, enc)
				continue
			}
			blob := b.ok(note, "AdvanceEncrypt", enc)["CiphertextBlob"]
			adv := req{"CiphertextBlob": blob}
			if v.aad != nil {
				adv["Aad"] = v.aad
			}
			b.ok(note, "AdvanceDecrypt", adv)
			ct := b.ok(note, "Encrypt", enc)["CiphertextBlob"]
			dec["CiphertextBlob"] = ct
			b.ok(note, "Decrypt", dec)
			if n == 17 {
				// AdvanceDecrypt opens raw ciphertexts too, given the parameters.
				b.ok(note+": raw ciphertext through AdvanceDecrypt", "AdvanceDecrypt", dec)
			}
		}
	}

	// Defaults: the family's GCM, PKCS7 for padded modes, no Aad.
	b.ok("default algorithm", "AdvanceEncrypt", req{"KeyId": id, "Plaintext": plaintext(17), "Iv": gcmIV})
	b.ok("GCM without Aad", "AdvanceEncrypt", req{"KeyId": id, "Plaintext": plaintext(16), "Iv": gcmIV, "Algorithm": family + "_GCM"})
	b.ok("CBC default padding", "Encrypt", req{"KeyId": id, "Plaintext": plaintext(17), "Iv": cbcIV, "Algorithm": family + "_CBC"})
	b.ok("ECB default padding", "Encrypt", req{"KeyId": id, "Plaintext": plaintext(17), "Algorithm": family + "_ECB"})
	// A PKCS7 ciphertext opened with NO_PADDING gives the padded bytes.
	ct := b.ok("ECB PKCS7 of 15 bytes", "Encrypt", req{"KeyId": id, "Plaintext": plaintext(15), "Algorithm": family + "_ECB"})["CiphertextBlob"]
	b.ok("opened with NO_PADDING keeps the padding byte", "Decrypt", req{"KeyId": id, "CiphertextBlob": ct, "Algorithm": family + "_ECB", "PaddingMode": "NO_PADDING"})
	// A wrong key size is refused before any cipher runs.
	other := "AES"
	if family == "AES" {
		other = "SM4"
	}
	pt := plaintext(16)
	gcm := req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_GCM", "Iv": gcmIV, "Aad": aad}
	b.fail("algorithm of the other family", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": other + "_GCM"})
	b.fail("algorithm of the other family", "Encrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": other + "_CBC"})
	b.fail("unknown algorithm", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_CTR"})
	b.fail("GCM Iv of 11 bytes", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_GCM", "Iv": gcmIV[:11]})
	b.fail("GCM Iv of 16 bytes", "Encrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_GCM", "Iv": cbcIV})
	b.fail("CBC Iv of 12 bytes", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_CBC", "Iv": gcmIV})
	b.fail("ECB takes no Iv", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_ECB", "Iv": cbcIV})
	b.fail("Aad on CBC", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_CBC", "Iv": cbcIV, "Aad": aad})
	b.fail("Aad on ECB", "Encrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_ECB", "Aad": aad})
	b.fail("PaddingMode on GCM", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_GCM", "PaddingMode": "PKCS7_PADDING"})
	b.fail("unknown PaddingMode", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_CBC", "PaddingMode": "ZERO_PADDING"})
	blob := b.ok("GCM blob for the decrypt errors", "AdvanceEncrypt", gcm)["CiphertextBlob"].(string)
	b.fail("wrong Aad", "AdvanceDecrypt", invalid, req{"CiphertextBlob": blob, "Aad": []byte("other")})
	b.fail("missing Aad", "AdvanceDecrypt", invalid, req{"CiphertextBlob": blob})
	b.fail("tampered ciphertext byte", "AdvanceDecrypt", invalid, req{"CiphertextBlob": flip(blob, 39+12), "Aad": aad})
	b.fail("tampered tag byte", "AdvanceDecrypt", invalid, req{"CiphertextBlob": flip(blob, -1), "Aad": aad})
	b.fail("tampered Iv byte", "AdvanceDecrypt", invalid, req{"CiphertextBlob": flip(blob, 39), "Aad": aad})
	b.fail("truncated inside the tag", "AdvanceDecrypt", invalid, req{"CiphertextBlob": cut(blob, 39+12+15), "Aad": aad})
	b.fail("truncated inside the Iv", "AdvanceDecrypt", invalid, req{"CiphertextBlob": cut(blob, 45)})
	b.fail("truncated inside the header", "AdvanceDecrypt", invalid, req{"CiphertextBlob": cut(blob, 20)})
	b.ok("the GCM blob opens", "AdvanceDecrypt", req{"CiphertextBlob": blob, "Aad": aad})
	b.fail("blob opened as another algorithm", "AdvanceDecrypt", invalid, req{"CiphertextBlob": blob, "Aad": aad, "Algorithm": family + "_CBC"})
	cbc := b.ok("CBC blob for the decrypt errors", "AdvanceEncrypt", req{"KeyId": id, "Plaintext": pt, "Algorithm": family + "_CBC", "Iv": cbcIV})["CiphertextBlob"].(string)
	b.fail("CBC blob one block short", "AdvanceDecrypt", invalid, req{"CiphertextBlob": cut(cbc, -16)})
	b.fail("CBC blob not a multiple of the block", "AdvanceDecrypt", invalid, req{"CiphertextBlob": cut(cbc, -1)})
	raw := b.ok("raw GCM ciphertext", "Encrypt", gcm)["CiphertextBlob"]
	b.ok("raw GCM opens", "Decrypt", req{"KeyId": id, "CiphertextBlob": raw, "Algorithm": family + "_GCM", "Iv": gcmIV, "Aad": aad})
	b.fail("raw GCM with the wrong Iv", "Decrypt", invalid, req{"KeyId": id, "CiphertextBlob": raw, "Algorithm": family + "_GCM", "Iv": fixedIV("other", 12), "Aad": aad})
	b.fail("raw GCM without KeyId", "Decrypt", missing, req{"CiphertextBlob": raw, "Algorithm": family + "_GCM", "Iv": gcmIV})
	b.fail("raw ciphertext through AdvanceDecrypt without KeyId", "AdvanceDecrypt", invalid, req{"CiphertextBlob": raw, "Iv": gcmIV})
	b.fail("empty ciphertext", "Decrypt", missing, req{"KeyId": id, "Algorithm": family + "_GCM", "Iv": gcmIV})
	b.fail("Aad over 8192 bytes", "AdvanceEncrypt", invalid, req{"KeyId": id, "Plaintext": pt, "Aad": make([]byte, 8193)})
	return b
}

// rotation covers multi-version keys: blobs of every version open, Advance
// calls use the primary version, raw calls the initial one.
func rotation() *builder {
	b := newBuilder("rotation", "Imported multi-version keys: blobs sealed under each version open after rotation; Encrypt uses the initial version, AdvanceEncrypt the primary; manual and automatic rotation; version lookups.")
	imp := importReq("rotaes", "Aliyun_AES_256", 3)
	id := imp["KeyId"].(string)
	iv := fixedIV("rotation", 12)
	pt := plaintext(33)
	enc := req{"KeyId": id, "Plaintext": pt, "Iv": iv, "Aad": aad}

	// Blobs of versions 1 and 2, made while each was primary.
	s := newSide()
	s.ok("ImportKey", withVersions(imp, 1))
	blob1 := s.ok("AdvanceEncrypt", enc)["CiphertextBlob"]
	raw1 := s.ok("Encrypt", enc)["CiphertextBlob"]
	s2 := newSide()
	s2.ok("ImportKey", withVersions(imp, 1, 2))
	blob2 := s2.ok("AdvanceEncrypt", enc)["CiphertextBlob"]

	b.ok("import three versions", "ImportKey", imp)
	b.ok("describe", "DescribeKey", req{"KeyId": id})
	b.ok("versions, oldest first", "ListKeyVersions", req{"KeyId": id})
	b.ok("a middle version", "DescribeKeyVersion", req{"KeyId": id, "KeyVersionId": versionID(id, 2)})
	b.fail("a version that does not exist", "DescribeKeyVersion", noVersion, req{"KeyId": id, "KeyVersionId": versionID(id, 9)})
	blob3 := b.ok("AdvanceEncrypt uses the primary version 3", "AdvanceEncrypt", enc)["CiphertextBlob"]
	b.ok("Encrypt uses the initial version 1", "Encrypt", enc)
	b.ok("the raw ciphertext of version 1 opens", "Decrypt", req{"KeyId": id, "CiphertextBlob": raw1, "Iv": iv, "Aad": aad})
	for i, bl := range []any{blob1, blob2, blob3} {
		b.ok(fmt.Sprintf("blob of version %d opens", i+1), "AdvanceDecrypt", req{"CiphertextBlob": bl, "Aad": aad})
		b.ok(fmt.Sprintf("blob of version %d inspected", i+1), "InspectBlob", req{"CiphertextBlob": bl})
	}
	b.ok("a redundant KeyId and Iv are tolerated", "AdvanceDecrypt", req{"CiphertextBlob": blob1, "Aad": aad, "KeyId": id, "Iv": iv})

	// A blob naming a version the key does not have.
	s9 := newSide()
	s9.ok("ImportKey", withVersions(importReq("rotaes", "Aliyun_AES_256", 4), 1, 4))
	blob4 := s9.ok("AdvanceEncrypt", enc)["CiphertextBlob"]
	b.fail("blob of a version the key lacks", "AdvanceDecrypt", noVersion, req{"CiphertextBlob": blob4, "Aad": aad})

	// Manual rotation: the new version is random, the old blobs still open.
	b.ok("manual rotation", "CreateKeyVersion", req{"KeyId": id})
	b.ok("encrypt under the new version", "AdvanceEncrypt", enc)
	b.ok("version 1 still opens", "AdvanceDecrypt", req{"CiphertextBlob": blob1, "Aad": aad})
	b.ok("now four versions", "DescribeKey", req{"KeyId": id})

	// SM4 rotation.
	sm := importReq("rotsm4", "Aliyun_SM4", 2)
	smID := sm["KeyId"].(string)
	smEnc := req{"KeyId": smID, "Plaintext": pt, "Algorithm": "SM4_CBC", "Iv": fixedIV("rotation", 16)}
	s3 := newSide()
	s3.ok("ImportKey", withVersions(sm, 1))
	smBlob1 := s3.ok("AdvanceEncrypt", smEnc)["CiphertextBlob"]
	b.ok("import an SM4 key with two versions", "ImportKey", sm)
	b.ok("SM4 AdvanceEncrypt uses version 2", "AdvanceEncrypt", smEnc)
	b.ok("SM4 blob of version 1 opens", "AdvanceDecrypt", req{"CiphertextBlob": smBlob1})

	// Automatic rotation that fell due long ago rotates once, on first use.
	auto := importReq("rotauto", "Aliyun_AES_128", 1)
	auto["RotationInterval"] = "30d"
	autoID := auto["KeyId"].(string)
	b.ok("import a key whose 30d rotation is overdue", "ImportKey", auto)
	b.ok("first use rotates it", "AdvanceEncrypt", req{"KeyId": autoID, "Plaintext": pt, "Iv": iv})
	b.ok("now two versions", "DescribeKey", req{"KeyId": autoID})
	b.ok("turn automatic rotation off", "UpdateRotationPolicy", req{"KeyId": autoID, "EnableAutomaticRotation": false})
	b.fail("interval below 7 days", "UpdateRotationPolicy", invalid, req{"KeyId": autoID, "EnableAutomaticRotation": true, "RotationInterval": "6d"})
	b.fail("interval above 730 days", "UpdateRotationPolicy", invalid, req{"KeyId": autoID, "EnableAutomaticRotation": true, "RotationInterval": "731d"})
	b.fail("malformed interval", "UpdateRotationPolicy", invalid, req{"KeyId": autoID, "EnableAutomaticRotation": true, "RotationInterval": "30x"})
	b.fail("enabled without an interval", "UpdateRotationPolicy", missing, req{"KeyId": autoID, "EnableAutomaticRotation": true})
	return b
}

// aliases: encryption through an alias names the real key, and an alias
// follows UpdateAlias.
func aliases() *builder {
	b := newBuilder("aliases", "CreateAlias/UpdateAlias/DeleteAlias, encryption and decryption through an alias (responses name the real KeyId), alias listing and alias errors.")
	a := importReq("alsa", "Aliyun_AES_256", 1)
	c := importReq("alsb", "Aliyun_SM4", 1)
	c["Aliases"] = []string{"alias/imported"}
	aID, cID := a["KeyId"].(string), c["KeyId"].(string)
	iv := fixedIV("aliases", 12)
	pt := plaintext(16)
	b.ok("key A", "ImportKey", a)
	b.ok("key B with an alias at import", "ImportKey", c)
	b.ok("alias/app names A", "CreateAlias", req{"AliasName": "alias/app", "KeyId": aID})
	blobA := b.ok("encrypt through the alias: KeyId is A", "AdvanceEncrypt", req{"KeyId": "alias/app", "Plaintext": pt, "Iv": iv})["CiphertextBlob"]
	rawA := b.ok("raw encrypt through the alias", "Encrypt", req{"KeyId": "alias/app", "Plaintext": pt, "Iv": iv})["CiphertextBlob"]
	b.ok("raw decrypt through the alias", "Decrypt", req{"KeyId": "alias/app", "CiphertextBlob": rawA, "Iv": iv})
	b.ok("describe through the alias", "DescribeKey", req{"KeyId": "alias/app"})
	b.ok("list all aliases", "ListAliases", req{})
	b.ok("list A's aliases", "ListAliasesByKeyId", req{"KeyId": aID})
	b.ok("alias/app now names B", "UpdateAlias", req{"AliasName": "alias/app", "KeyId": cID})
	b.ok("encrypt through the alias: KeyId is B", "AdvanceEncrypt", req{"KeyId": "alias/app", "Plaintext": pt, "Iv": iv})
	b.ok("A's blob still opens without a KeyId", "AdvanceDecrypt", req{"CiphertextBlob": blobA})
	b.fail("A's blob with the alias that now names B", "AdvanceDecrypt", invalid, req{"CiphertextBlob": blobA, "KeyId": "alias/app"})
	b.ok("the imported alias", "AdvanceEncrypt", req{"KeyId": "alias/imported", "Plaintext": pt, "Iv": iv})
	b.fail("alias exists", "CreateAlias", exists, req{"AliasName": "alias/app", "KeyId": aID})
	b.fail("update an unknown alias", "UpdateAlias", noAlias, req{"AliasName": "alias/nope", "KeyId": aID})
	b.fail("an alias cannot name an alias", "CreateAlias", invalid, req{"AliasName": "alias/two", "KeyId": "alias/app"})
	b.fail("alias without the prefix", "CreateAlias", invalid, req{"AliasName": "app2", "KeyId": aID})
	b.fail("reserved prefix", "CreateAlias", invalid, req{"AliasName": "alias/acs/x", "KeyId": aID})
	b.fail("bad character", "CreateAlias", invalid, req{"AliasName": "alias/a b", "KeyId": aID})
	b.fail("alias to an unknown key", "CreateAlias", notFound, req{"AliasName": "alias/ghost", "KeyId": keyID("nokey")})
	b.ok("delete", "DeleteAlias", req{"AliasName": "alias/app"})
	b.fail("deleted alias", "AdvanceEncrypt", notFound, req{"KeyId": "alias/app", "Plaintext": pt})
	b.fail("delete again", "DeleteAlias", noAlias, req{"AliasName": "alias/app"})
	b.ok("what is left", "ListAliases", req{})
	return b
}

// keyStates: Disabled and PendingDeletion keys refuse cryptographic use.
func keyStates() *builder {
	b := newBuilder("key-states", "Disabled keys (409 Rejected.Disabled) and keys pending deletion (409 Rejected.PendingDeletion) refuse every data operation until enabled or cancelled.")
	imp := importReq("states", "Aliyun_AES_256", 1)
	imp["KeyState"] = "Disabled"
	id := imp["KeyId"].(string)
	iv := fixedIV("states", 12)
	pt := plaintext(16)
	enc := req{"KeyId": id, "Plaintext": pt, "Iv": iv}
	b.ok("import a disabled key", "ImportKey", imp)
	b.fail("disabled: AdvanceEncrypt", "AdvanceEncrypt", disabled, enc)
	b.fail("disabled: Encrypt", "Encrypt", disabled, enc)
	b.fail("disabled: GenerateDataKey", "GenerateDataKey", disabled, req{"KeyId": id})
	b.ok("enable", "EnableKey", req{"KeyId": id})
	blob := b.ok("enabled: AdvanceEncrypt", "AdvanceEncrypt", enc)["CiphertextBlob"]
	b.ok("disable", "DisableKey", req{"KeyId": id})
	b.fail("disabled: AdvanceDecrypt", "AdvanceDecrypt", disabled, req{"CiphertextBlob": blob})
	b.fail("disabled: AdvanceGenerateDataKey", "AdvanceGenerateDataKey", disabled, req{"KeyId": id})
	b.ok("describe a disabled key", "DescribeKey", req{"KeyId": id})
	b.ok("enable again", "EnableKey", req{"KeyId": id})
	b.fail("pending window of 6 days", "ScheduleKeyDeletion", invalid, req{"KeyId": id, "PendingWindowInDays": 6})
	b.fail("pending window of 31 days", "ScheduleKeyDeletion", invalid, req{"KeyId": id, "PendingWindowInDays": 31})
	b.ok("schedule deletion in 7 days", "ScheduleKeyDeletion", req{"KeyId": id, "PendingWindowInDays": 7})
	b.fail("pending: AdvanceEncrypt", "AdvanceEncrypt", pending, enc)
	b.fail("pending: AdvanceDecrypt", "AdvanceDecrypt", pending, req{"CiphertextBlob": blob})
	b.fail("pending: Decrypt", "Decrypt", pending, req{"KeyId": id, "CiphertextBlob": blob, "Iv": iv})
	b.fail("pending: EnableKey", "EnableKey", pending, req{"KeyId": id})
	b.fail("pending: CreateKeyVersion", "CreateKeyVersion", pending, req{"KeyId": id})
	b.fail("pending: schedule again", "ScheduleKeyDeletion", pending, req{"KeyId": id, "PendingWindowInDays": 7})
	b.ok("cancel deletion", "CancelKeyDeletion", req{"KeyId": id})
	b.fail("cancel again", "CancelKeyDeletion", "Rejected.Enabled", req{"KeyId": id})
	b.ok("usable again", "AdvanceDecrypt", req{"CiphertextBlob": blob})
	b.fail("state that cannot be imported", "ImportKey", invalid, req{"KeyId": keyID("statesbad"), "KeyState": "PendingDeletion"})
	b.fail("disable an unknown key", "DisableKey", notFound, req{"KeyId": keyID("nokey")})
	return b
}

// keyAttributes: what the classic OpenAPI manages besides state (description,
// tags, deletion protection), with the refusals that go with them.
func keyAttributes() *builder {
	b := newBuilder("key-attributes", "UpdateKeyDescription, TagResource/UntagResource (tags sorted by key, reserved prefixes refused) and SetDeletionProtection (a protected key refuses ScheduleKeyDeletion with 403 Forbidden.DeletionProtection); a key pending deletion refuses description and tag changes.")
	imp := importReq("attrs", "Aliyun_AES_256", 1)
	id := imp["KeyId"].(string)
	b.ok("import", "ImportKey", imp)
	b.ok("describe: no tags, protection Disabled", "DescribeKey", req{"KeyId": id})
	b.ok("update the description", "UpdateKeyDescription", req{"KeyId": id, "Description": "described"})
	b.fail("description over 8192 characters", "UpdateKeyDescription", invalid, req{"KeyId": id, "Description": strings.Repeat("d", 8193)})
	b.ok("tag, given unsorted", "TagResource", req{"KeyId": id, "Tags": []req{{"TagKey": "team", "TagValue": "a"}, {"TagKey": "env", "TagValue": "dev"}}})
	b.ok("overwrite a tag", "TagResource", req{"KeyId": id, "Tags": []req{{"TagKey": "team", "TagValue": "b"}}})
	b.fail("reserved tag key", "TagResource", invalid, req{"KeyId": id, "Tags": []req{{"TagKey": "acs:x", "TagValue": "v"}}})
	b.fail("no tags", "TagResource", missing, req{"KeyId": id})
	b.ok("untag, with an absent key too", "UntagResource", req{"KeyId": id, "TagKeys": []string{"env", "absent"}})
	b.fail("untag nothing", "UntagResource", missing, req{"KeyId": id})
	b.ok("protect", "SetDeletionProtection", req{"KeyId": id, "EnableDeletionProtection": true, "DeletionProtectionDescription": "production"})
	b.fail("schedule a protected key", "ScheduleKeyDeletion", "Forbidden.DeletionProtection", req{"KeyId": id, "PendingWindowInDays": 7})
	b.ok("unprotect", "SetDeletionProtection", req{"KeyId": id})
	b.ok("schedule deletion", "ScheduleKeyDeletion", req{"KeyId": id, "PendingWindowInDays": 7})
	b.fail("pending: UpdateKeyDescription", "UpdateKeyDescription", pending, req{"KeyId": id, "Description": "x"})
	b.fail("pending: TagResource", "TagResource", pending, req{"KeyId": id, "Tags": []req{{"TagKey": "k", "TagValue": "v"}}})
	b.ok("cancel deletion", "CancelKeyDeletion", req{"KeyId": id})
	b.fail("tag an unknown key", "TagResource", notFound, req{"KeyId": keyID("noattrs"), "Tags": []req{{"TagKey": "k"}}})
	return b
}

// secrets: the secret operations and the stage rules (spec §6, §10.6);
// every version id is given, so only times vary between runs.
func secrets() *builder {
	b := newBuilder("secrets", "CreateSecret, PutSecretValue (ACSCurrent moves and demotes the old one to ACSPrevious), UpdateSecretVersionStage, GetSecretValue by stage and by version, ListSecrets by name prefix, ListSecretVersionIds, DeleteSecret and RestoreSecret; values under an EncryptionKeyId; the error rows.")
	imp := importReq("secretkey", "Aliyun_AES_256", 1)
	id := imp["KeyId"].(string)
	b.ok("the key that encrypts values", "ImportKey", imp)
	b.ok("create", "CreateSecret", req{"SecretName": "app/db", "VersionId": "v1", "SecretData": "one", "EncryptionKeyId": id, "Description": "parity"})
	b.ok("a binary secret: the caller's base64 text", "CreateSecret", req{"SecretName": "app/cert", "VersionId": "v1", "SecretData": "AAEC/w==", "SecretDataType": "binary"})
	b.ok("a managed secret", "CreateSecret", req{"SecretName": "app/rds", "SecretType": "Rds", "VersionId": "r1", "SecretData": `{"AccountName":"app","AccountPassword":"pw"}`, "ExtendedConfig": `{"DBInstanceId":"rm-1"}`})
	b.fail("the name again", "CreateSecret", "Rejected.ResourceExist", req{"SecretName": "app/db", "VersionId": "v1", "SecretData": "x"})
	b.ok("import with history, as a seed file does", "ImportSecret", req{"SecretName": "app/seeded", "Versions": []req{
		{"VersionId": "v1", "SecretData": "old", "VersionStages": []string{"ACSPrevious"}},
		{"VersionId": "v2", "SecretData": "new", "VersionStages": []string{"ACSCurrent"}}}})
	b.ok("an import that adds nothing", "ImportSecret", req{"SecretName": "app/seeded", "Versions": []req{{"VersionId": "v2", "SecretData": "new"}}})
	b.ok("the seeded ACSPrevious", "GetSecretValue", req{"SecretName": "app/seeded", "VersionStage": "ACSPrevious"})
	b.ok("ACSCurrent by default", "GetSecretValue", req{"SecretName": "app/db"})
	b.ok("put: the new version is ACSCurrent", "PutSecretValue", req{"SecretName": "app/db", "VersionId": "v2", "SecretData": "two"})
	b.ok("the same put again is a no-op", "PutSecretValue", req{"SecretName": "app/db", "VersionId": "v2", "SecretData": "two"})
	b.fail("versions are write-once", "PutSecretValue", "Rejected.ResourceExist", req{"SecretName": "app/db", "VersionId": "v2", "SecretData": "other"})
	b.ok("the old ACSCurrent is ACSPrevious", "GetSecretValue", req{"SecretName": "app/db", "VersionStage": "ACSPrevious"})
	b.ok("put with a custom label", "PutSecretValue", req{"SecretName": "app/db", "VersionId": "v3", "SecretData": "three", "VersionStages": []string{"Pending"}})
	b.ok("by version", "GetSecretValue", req{"SecretName": "app/db", "VersionId": "v3"})
	b.ok("move ACSCurrent to v3", "UpdateSecretVersionStage", req{"SecretName": "app/db", "VersionStage": "ACSCurrent", "MoveToVersion": "v3", "RemoveFromVersion": "v2"})
	b.ok("v3 is current, v2 previous", "ListSecretVersionIds", req{"SecretName": "app/db", "IncludeDeprecated": true})
	b.ok("without deprecated versions", "ListSecretVersionIds", req{"SecretName": "app/db"})
	b.ok("a binary value as given", "GetSecretValue", req{"SecretName": "app/cert"})
	b.ok("ExtendedConfig of a managed secret", "GetSecretValue", req{"SecretName": "app/rds", "FetchExtendedConfig": true})
	b.ok("list by prefix", "ListSecrets", req{"NamePrefixes": []string{"app/c", "app/d"}})
	b.ok("describe", "DescribeSecret", req{"SecretName": "app/db"})
	b.fail("unknown secret", "GetSecretValue", "Forbidden.ResourceNotFound", req{"SecretName": "app/none"})
	b.fail("unknown version", "GetSecretValue", invalid, req{"SecretName": "app/db", "VersionId": "v9"})
	b.fail("unknown stage", "GetSecretValue", invalid, req{"SecretName": "app/db", "VersionStage": "Blue"})
	b.fail("version and stage disagree", "GetSecretValue", invalid, req{"SecretName": "app/db", "VersionId": "v1", "VersionStage": "ACSCurrent"})
	b.fail("ACSCurrent cannot just be removed", "UpdateSecretVersionStage", invalid, req{"SecretName": "app/db", "VersionStage": "ACSCurrent", "RemoveFromVersion": "v3"})
	b.fail("Generic secrets do not rotate", "RotateSecret", unsupported, req{"SecretName": "app/db"})
	b.fail("a name with a space", "CreateSecret", invalid, req{"SecretName": "a b", "SecretData": "x"})
	b.ok("delete with a 7-day window", "DeleteSecret", req{"SecretName": "app/db", "RecoveryWindowInDays": 7})
	b.fail("in its recovery window", "GetSecretValue", "Rejected.ResourceInDeleteWindow", req{"SecretName": "app/db"})
	b.ok("restore", "RestoreSecret", req{"SecretName": "app/db"})
	b.ok("readable again", "GetSecretValue", req{"SecretName": "app/db"})
	b.ok("delete at once", "DeleteSecret", req{"SecretName": "app/cert", "ForceDeleteWithoutRecovery": true})
	b.fail("gone", "DescribeSecret", "Forbidden.ResourceNotFound", req{"SecretName": "app/cert"})
	b.ok("disable the key", "DisableKey", req{"KeyId": id})
	b.fail("a value under a disabled key", "GetSecretValue", "Rejected.Disabled", req{"SecretName": "app/db"})
	return b
}

// dataKeys: data keys are random, so the vectors decrypt data keys the
// generator made, and check only the shape of fresh ones.
func dataKeys() *builder {
	b := newBuilder("data-keys", "GenerateDataKey and AdvanceGenerateDataKey: ciphertexts made by the generator decrypt to their data key; fresh data keys are checked by length only; NumberOfBytes bounds.")
	aes := importReq("dkaes", "Aliyun_AES_256", 2)
	sm := importReq("dksm4", "Aliyun_SM4", 1)
	aesID, smID := aes["KeyId"].(string), sm["KeyId"].(string)
	s := newSide()
	s.ok("ImportKey", aes)
	s.ok("ImportKey", sm)
	dk := s.ok("GenerateDataKey", req{"KeyId": aesID, "NumberOfBytes": 32, "Aad": aad})
	dkSM := s.ok("GenerateDataKey", req{"KeyId": smID, "NumberOfBytes": 16})
	adk := s.ok("AdvanceGenerateDataKey", req{"KeyId": aesID, "Aad": aad})

	b.ok("AES key", "ImportKey", aes)
	b.ok("SM4 key", "ImportKey", sm)
	b.ok("a data key made by the generator decrypts", "Decrypt", req{"KeyId": aesID, "CiphertextBlob": dk["CiphertextBlob"], "Iv": dk["Iv"], "Algorithm": dk["Algorithm"], "Aad": aad})
	b.ok("through AdvanceDecrypt too", "AdvanceDecrypt", req{"KeyId": aesID, "CiphertextBlob": dk["CiphertextBlob"], "Iv": dk["Iv"], "Algorithm": dk["Algorithm"], "Aad": aad})
	b.ok("an SM4 data key decrypts", "Decrypt", req{"KeyId": smID, "CiphertextBlob": dkSM["CiphertextBlob"], "Iv": dkSM["Iv"], "Algorithm": "SM4_GCM"})
	b.ok("an Advance data key blob opens", "AdvanceDecrypt", req{"CiphertextBlob": adk["CiphertextBlob"], "Aad": aad})
	b.fail("the Advance blob without its Aad", "AdvanceDecrypt", invalid, req{"CiphertextBlob": adk["CiphertextBlob"]})
	shape := map[string]int{"Plaintext": 32, "Iv": 12, "CiphertextBlob": 48}
	b.okLen("default 32 bytes", "GenerateDataKey", req{"KeyId": aesID}, shape)
	b.okLen("SM4 key seals with SM4_GCM", "GenerateDataKey", req{"KeyId": smID, "NumberOfBytes": 16}, map[string]int{"Plaintext": 16, "Iv": 12, "CiphertextBlob": 32})
	b.okLen("1 byte", "GenerateDataKey", req{"KeyId": aesID, "NumberOfBytes": 1}, map[string]int{"Plaintext": 1, "Iv": 12, "CiphertextBlob": 17})
	b.okLen("1024 bytes", "GenerateDataKey", req{"KeyId": aesID, "NumberOfBytes": 1024, "Algorithm": "AES_GCM"}, map[string]int{"Plaintext": 1024, "Iv": 12, "CiphertextBlob": 1040})
	b.okLen("Advance, primary version", "AdvanceGenerateDataKey", req{"KeyId": aesID, "NumberOfBytes": 24}, map[string]int{"Plaintext": 24, "Iv": 12, "CiphertextBlob": 39 + 12 + 24 + 16})
	b.fail("0 is the default but -1 is not", "GenerateDataKey", invalid, req{"KeyId": aesID, "NumberOfBytes": -1})
	b.fail("1025 bytes", "GenerateDataKey", invalid, req{"KeyId": aesID, "NumberOfBytes": 1025})
	b.fail("1025 bytes, Advance", "AdvanceGenerateDataKey", invalid, req{"KeyId": aesID, "NumberOfBytes": 1025})
	b.fail("data keys are sealed with GCM only", "GenerateDataKey", invalid, req{"KeyId": aesID, "Algorithm": "AES_CBC"})
	b.fail("algorithm of the other family", "GenerateDataKey", invalid, req{"KeyId": smID, "Algorithm": "AES_GCM"})
	b.fail("unknown key", "GenerateDataKey", notFound, req{"KeyId": keyID("nokey")})
	return b
}

// inspect lays out blobs of every algorithm and names what is wrong with
// broken ones.
func inspect() *builder {
	b := newBuilder("inspect-blob", "InspectBlob on blobs of every algorithm and padding, and on broken blobs (Valid false with the reason).")
	aes := importReq("inspaes", "Aliyun_AES_128", 1)
	sm := importReq("inspsm4", "Aliyun_SM4", 1)
	b.ok("AES key", "ImportKey", aes)
	b.ok("SM4 key", "ImportKey", sm)
	var gcm string
	for _, k := range []req{aes, sm} {
		id := k["KeyId"].(string)
		fam := "AES"
		if k["KeySpec"] == "Aliyun_SM4" {
			fam = "SM4"
		}
		for _, v := range []struct {
			alg, pad string
			iv       int
		}{{"_GCM", "", 12}, {"_CBC", "PKCS7_PADDING", 16}, {"_CBC", "NO_PADDING", 16}, {"_ECB", "PKCS7_PADDING", 0}, {"_ECB", "NO_PADDING", 0}} {
			r := req{"KeyId": id, "Plaintext": plaintext(32), "Algorithm": fam + v.alg}
			if v.iv > 0 {
				r["Iv"] = fixedIV("inspect", v.iv)
			}
			if v.pad != "" {
				r["PaddingMode"] = v.pad
			}
			blob := b.ok(fam+v.alg+" "+v.pad, "AdvanceEncrypt", r)["CiphertextBlob"].(string)
			b.ok(fam+v.alg+" "+v.pad, "InspectBlob", req{"CiphertextBlob": blob})
			if v.alg == "_GCM" && gcm == "" {
				gcm = blob
			}
		}
	}
	b.ok("empty", "InspectBlob", req{})
	b.ok("truncated header", "InspectBlob", req{"CiphertextBlob": cut(gcm, 10)})
	b.ok("truncated tag", "InspectBlob", req{"CiphertextBlob": cut(gcm, -1)})
	b.ok("bad magic", "InspectBlob", req{"CiphertextBlob": set(gcm, 0, 'X')})
	b.ok("unknown cipher version", "InspectBlob", req{"CiphertextBlob": set(gcm, 1, 0x10)})
	b.ok("padding that does not fit GCM", "InspectBlob", req{"CiphertextBlob": set(gcm, 1, 0x01)})
	b.ok("unknown algorithm id", "InspectBlob", req{"CiphertextBlob": set(gcm, 2, 0x7f)})
	b.ok("malformed key version id", "InspectBlob", req{"CiphertextBlob": set(gcm, 5, '!')})
	b.ok("not base64 of a blob at all", "InspectBlob", req{"CiphertextBlob": []byte("hello")})
	b.fail("bad magic does not decrypt", "AdvanceDecrypt", invalid, req{"CiphertextBlob": set(gcm, 0, 'X')})
	return b
}

// errorsScenario collects the request-level errors: unknown api and key,
// missing parameters, GenerateRandom bounds, ImportKey validation.
func errorsScenario() *builder {
	b := newBuilder("errors", "Request-level errors: unknown and unsupported api names, unknown keys, missing parameters, GenerateRandom bounds, ImportKey and CreateKey validation, blobs of unknown keys.")
	imp := importReq("errs", "Aliyun_AES_192", 1)
	id := imp["KeyId"].(string)
	pt := plaintext(16)
	b.fail("unknown api", "EncryptEverything", "InvalidApiName", req{})
	b.fail("lower-case api name", "encrypt", "InvalidApiName", req{"KeyId": id})
	for _, api := range []string{"GetHealthStatus"} {
		b.fail("not built yet", api, unsupported, req{})
	}
	b.okLen("1 random byte", "GenerateRandom", req{"Length": 1}, map[string]int{"Random": 1})
	b.okLen("64 random bytes", "GenerateRandom", req{"Length": 64}, map[string]int{"Random": 64})
	b.fail("0 random bytes", "GenerateRandom", invalid, req{"Length": 0})
	b.fail("no Length", "GenerateRandom", invalid, req{})
	b.fail("65 random bytes", "GenerateRandom", invalid, req{"Length": 65})
	b.fail("-1 random bytes", "GenerateRandom", invalid, req{"Length": -1})
	b.fail("unknown key id", "AdvanceEncrypt", notFound, req{"KeyId": id, "Plaintext": pt})
	b.fail("unknown alias", "Encrypt", notFound, req{"KeyId": "alias/nope", "Plaintext": pt})
	b.ok("the key", "ImportKey", imp)
	b.fail("import it again", "ImportKey", exists, imp)
	b.fail("missing KeyId", "AdvanceEncrypt", missing, req{"Plaintext": pt})
	b.fail("missing KeyId", "Encrypt", missing, req{"Plaintext": pt})
	b.fail("missing CiphertextBlob", "AdvanceDecrypt", missing, req{})
	b.ok("empty plaintext is allowed", "AdvanceEncrypt", req{"KeyId": id, "Iv": fixedIV("errors", 12)})
	b.fail("describe an unknown key", "DescribeKey", notFound, req{"KeyId": keyID("nokey")})
	b.fail("describe without KeyId", "DescribeKey", missing, req{})
	// A well-formed blob of a key this store does not have.
	s := newSide()
	s.ok("ImportKey", importReq("errsother", "Aliyun_AES_256", 1))
	foreign := s.ok("AdvanceEncrypt", req{"KeyId": keyID("errsother"), "Plaintext": pt})["CiphertextBlob"]
	b.fail("blob of an unknown key", "AdvanceDecrypt", notFound, req{"CiphertextBlob": foreign})
	b.fail("blob of an unknown key, named key given", "AdvanceDecrypt", invalid, req{"CiphertextBlob": foreign, "KeyId": id})
	// ImportKey validation.
	bad := func(note string, edit func(r req)) {
		r := importReq("errsimp", "Aliyun_AES_256", 2)
		edit(r)
		b.fail(note, "ImportKey", invalid, r)
	}
	bad("material of the wrong size", func(r req) {
		r["Versions"].([]any)[1].(req)["KeyMaterial"] = material("short", 16)
	})
	bad("malformed KeyId", func(r req) { r["KeyId"] = "key-Upper" })
	bad("version id of another key", func(r req) {
		r["Versions"].([]any)[0].(req)["KeyVersionId"] = versionID(keyID("other"), 1)
	})
	bad("version listed twice", func(r req) {
		r["Versions"].([]any)[1].(req)["KeyVersionId"] = versionID(keyID("errsimp"), 1)
	})
	bad("creation date not RFC 3339", func(r req) {
		r["Versions"].([]any)[0].(req)["CreationDate"] = "15 Jan 2026"
	})
	bad("unknown key spec", func(r req) { r["KeySpec"] = "Aliyun_AES_512" })
	bad("symmetric key with signing usage", func(r req) { r["KeyUsage"] = "SIGN/VERIFY" })
	b.fail("asymmetric material that is not a key", "ImportKey", invalid, req{"KeySpec": "RSA_2048", "Versions": []any{req{"KeyMaterial": []byte("not a key")}}})
	b.fail("unknown key spec", "CreateKey", invalid, req{"KeySpec": "DES"})
	b.fail("EC_P256 cannot encrypt", "CreateKey", invalid, req{"KeySpec": "EC_P256", "KeyUsage": "ENCRYPT/DECRYPT"})
	b.fail("rotation without interval", "CreateKey", missing, req{"EnableAutomaticRotation": true})
	b.ok("ListKeys shows the one key", "ListKeys", req{})
	return b
}

// crossInputs is what every runtime seals with a random Iv and every other
// runtime opens: keys and requests without Iv.
func crossInputs() map[string]any {
	keys := []req{
		importReq("xaes256", "Aliyun_AES_256", 2),
		importReq("xaes128", "Aliyun_AES_128", 1),
		importReq("xsm4", "Aliyun_SM4", 1),
	}
	var seals []req
	for _, k := range keys {
		id := k["KeyId"].(string)
		fam := "AES"
		if k["KeySpec"] == "Aliyun_SM4" {
			fam = "SM4"
		}
		seals = append(seals,
			req{"KeyId": id, "Plaintext": plaintext(100), "Aad": aad, "Algorithm": fam + "_GCM"},
			req{"KeyId": id, "Plaintext": plaintext(17), "Algorithm": fam + "_CBC"},
			req{"KeyId": id, "Plaintext": plaintext(32), "Algorithm": fam + "_ECB", "PaddingMode": "NO_PADDING"},
		)
	}
	seals = append(seals, req{"KeyId": keys[0]["KeyId"], "Plaintext": plaintext(6144)})
	// Randomized asymmetric results: signed or encrypted in one runtime,
	// verified or decrypted in every other.
	asymmetric := []req{
		asymImport("xrsasign", "RSA_2048", "SIGN/VERIFY", "rsa2048.pem"),
		asymImport("xrsaenc", "RSA_2048", "ENCRYPT/DECRYPT", "rsa2048.pem"),
		asymImport("xp256", "EC_P256", "SIGN/VERIFY", "p256.pem"),
		asymImport("xk1", "EC_P256K", "SIGN/VERIFY", "secp256k1.pem"),
		asymImport("xsm2sign", "EC_SM2", "SIGN/VERIFY", "sm2.pem"),
		asymImport("xsm2enc", "EC_SM2", "ENCRYPT/DECRYPT", "sm2.pem"),
	}
	keys = append(keys, asymmetric...)
	id := func(i int) any { return asymmetric[i]["KeyId"] }
	signs := []req{
		{"KeyId": id(0), "Message": plaintext(64), "Algorithm": "RSA_PSS_SHA_256"},
		{"KeyId": id(2), "Message": plaintext(64), "Algorithm": "ECDSA_SHA_256"},
		{"KeyId": id(3), "Message": plaintext(64), "Algorithm": "ECDSA_SHA_256"},
		{"KeyId": id(4), "Message": plaintext(64), "Algorithm": "SM2DSA"},
	}
	wraps := []req{
		{"KeyId": id(1), "Plaintext": plaintext(190), "Algorithm": "RSAES_OAEP_SHA_256"},
		{"KeyId": id(1), "Plaintext": plaintext(214), "Algorithm": "RSAES_OAEP_SHA_1"},
		{"KeyId": id(5), "Plaintext": plaintext(1000), "Algorithm": "SM2PKE"},
	}
	return map[string]any{
		"description": "Cross-runtime decryption and verification: each runtime imports Keys, seals every Seals request with AdvanceEncrypt and Encrypt (random Iv), signs every Signs request and encrypts every Wraps request (randomized algorithms), and writes the results; every other runtime opens or verifies them. Generated by genvectors.",
		"Keys":        keys,
		"Seals":       seals,
		"Signs":       signs,
		"Wraps":       wraps,
	}
}

func mustJSON(r req) []byte {
	raw, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return raw
}
