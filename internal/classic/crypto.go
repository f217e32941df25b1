package classic

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"unicode/utf8"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/core/kmserr"
	"github.com/pocketkms/pocketkms/internal/blob"
	"github.com/pocketkms/pocketkms/internal/ids"
)

// Classic ciphertexts (spec §8.3, docs/classic-api.md):
//
//	base64( KeyVersionId (36 ASCII bytes) ‖ IV (12) ‖ GCM ciphertext ‖ tag (16) )
//
// under the key's primary version, with Aad = SHA-256 of the sorted
// "k=v&k=v" EncryptionContext: the blob Alibaba's transfer SDKs build from
// the instance API, so either API opens what the other made. The engine
// seals and opens them through AdvanceEncrypt/AdvanceDecrypt; only the
// framing differs, and it carries no secret.
const (
	versionIDLen   = ids.VersionIDLen
	classicIVLen   = 12
	classicTagLen  = 16
	maxPlaintext   = 6 << 10 // "Only data of 6 KB or less can be encrypted"
	maxContextSize = 8192
)

// contextAad reads the named EncryptionContext (JSON or flattened) and
// returns its Aad, nil for an empty context.
func (c *opCtx) contextAad(name string) ([]byte, error) {
	m, err := c.p.Map(name)
	if err != nil {
		return nil, err
	}
	if len(m) == 0 {
		return nil, nil
	}
	var s []byte
	for i, k := range sortedKeys(m) {
		if i > 0 {
			s = append(s, '&')
		}
		s = append(s, k+"="+m[k]...)
	}
	if len(s) > maxContextSize {
		return nil, invalid(name)
	}
	sum := sha256.Sum256(s)
	return sum[:], nil
}

// dry reads DryRun; a dry call validates and then answers DryRunOperationError.
func (c *opCtx) dry() (bool, error) {
	d, err := c.p.Bool("DryRun")
	c.dryRun = d
	return d, err
}

// usableKey checks, for a dry run, what the engine would: the key exists, is
// symmetric and is Enabled.
func (c *opCtx) usableKey(id string) (*engineKey, error) {
	k, err := c.describe(id)
	if err != nil {
		return nil, err
	}
	if k.KeyState != "Enabled" {
		return nil, kmserr.New(409, "Rejected."+k.KeyState, "The request was rejected because the key state is %s.", k.KeyState)
	}
	return k, nil
}

// seal encrypts pt under the key's primary version and frames it: the
// answer of Encrypt, GenerateDataKey and ReEncrypt.
func (c *opCtx) seal(keyID string, pt, aad []byte) (obj, error) {
	var r struct {
		KeyId, KeyVersionId string
		CiphertextBlob, Iv  []byte
	}
	req := obj{"KeyId": keyID, "Plaintext": pt}
	if len(aad) > 0 {
		req["Aad"] = aad
	}
	if err := c.call("AdvanceEncrypt", req, &r); err != nil {
		return nil, err
	}
	b, err := blob.Parse(r.CiphertextBlob)
	if err != nil || len(r.KeyVersionId) != versionIDLen || len(b.IV) != classicIVLen {
		return nil, kmserr.Internal("the engine's ciphertext cannot be framed as a classic one")
	}
	out := make([]byte, 0, versionIDLen+classicIVLen+len(b.Ciphertext))
	out = append(append(append(out, r.KeyVersionId...), b.IV...), b.Ciphertext...)
	return obj{"CiphertextBlob": base64.StdEncoding.EncodeToString(out), "KeyId": r.KeyId, "KeyVersionId": r.KeyVersionId}, nil
}

func badBlob() error {
	return kmserr.InvalidParameter("The specified parameter CiphertextBlob is not valid.")
}

type opened struct {
	KeyId, KeyVersionId string
	Plaintext           []byte
}

// open unframes a classic blob and opens it. A blob that does not open for
// any reason of its own (not base64, too short, unknown key or version, wrong
// context, tampered) is one error: 400 InvalidParameter (spec §8.3). The
// key's state still answers with its own code.
func (c *opCtx) open(text string, aad []byte, dry bool) (*opened, error) {
	raw, err := base64.StdEncoding.DecodeString(text)
	if err != nil || len(raw) < versionIDLen+classicIVLen+classicTagLen {
		return nil, badBlob()
	}
	vid := string(raw[:versionIDLen])
	if !ids.ValidVersionID(vid) {
		return nil, badBlob()
	}
	k, err := c.describe(ids.KeyIDOfVersion(vid))
	if ke := kmserr.As(err); err != nil {
		if ke.Code == kmserr.CodeKeyNotFound {
			return nil, badBlob()
		}
		return nil, err
	}
	alg := "AES_GCM"
	if k.KeySpec == "Aliyun_SM4" {
		alg = "SM4_GCM"
	}
	if dry {
		_, err := c.usableKey(k.KeyId)
		return &opened{KeyId: k.KeyId, KeyVersionId: vid}, err
	}
	adv, err := (&blob.Blob{Algorithm: alg, KeyVersionID: vid, IV: raw[versionIDLen : versionIDLen+classicIVLen], Ciphertext: raw[versionIDLen+classicIVLen:]}).Marshal()
	if err != nil {
		return nil, badBlob()
	}
	var r opened
	req := obj{"CiphertextBlob": adv}
	if len(aad) > 0 {
		req["Aad"] = aad
	}
	err = c.call("AdvanceDecrypt", req, &r)
	if ke := kmserr.As(err); err != nil {
		if ke.Status == 409 || ke.Status >= 500 {
			return nil, err
		}
		return nil, badBlob()
	}
	return &r, nil
}

func encrypt(c *opCtx) (obj, error) {
	id, err := c.p.Required("KeyId")
	if err != nil {
		return nil, err
	}
	pt, err := c.p.Required("Plaintext")
	if err != nil {
		return nil, err
	}
	if len(pt) > maxPlaintext || !utf8.ValidString(pt) {
		return nil, kmserr.InvalidParameter("The specified parameter \"Plaintext\" is not valid: at most %d bytes of UTF-8 text (base64 for binary data).", maxPlaintext)
	}
	aad, err := c.contextAad("EncryptionContext")
	if err != nil {
		return nil, err
	}
	if dry, err := c.dry(); dry || err != nil {
		if err == nil {
			_, err = c.usableKey(id)
		}
		return obj{}, err
	}
	return c.seal(id, []byte(pt), aad)
}

func decrypt(c *opCtx) (obj, error) {
	text, err := c.p.Required("CiphertextBlob")
	if err != nil {
		return nil, err
	}
	aad, err := c.contextAad("EncryptionContext")
	if err != nil {
		return nil, err
	}
	dry, err := c.dry()
	if err != nil {
		return nil, err
	}
	o, err := c.open(text, aad, dry)
	if err != nil || dry {
		return obj{}, err
	}
	if !utf8.Valid(o.Plaintext) { // not made by the classic API: its plaintexts are text
		return nil, kmserr.InvalidParameter("The plaintext of this CiphertextBlob is binary; open it with the instance API's AdvanceDecrypt.")
	}
	return obj{"KeyId": o.KeyId, "KeyVersionId": o.KeyVersionId, "Plaintext": string(o.Plaintext)}, nil
}

// generateDataKey seals the base64 text of a fresh data key, so Decrypt of
// the blob returns that text (spec §4.1).
func generateDataKey(withPlaintext bool) func(*opCtx) (obj, error) {
	return func(c *opCtx) (obj, error) {
		id, err := c.p.Required("KeyId")
		if err != nil {
			return nil, err
		}
		n := 32
		switch c.p["KeySpec"] {
		case "", "AES_256":
		case "AES_128":
			n = 16
		default:
			return nil, invalid("KeySpec")
		}
		if n, err = c.p.Int("NumberOfBytes", n, 1, 1024); err != nil {
			return nil, err
		}
		aad, err := c.contextAad("EncryptionContext")
		if err != nil {
			return nil, err
		}
		if dry, err := c.dry(); dry || err != nil {
			if err == nil {
				_, err = c.usableKey(id)
			}
			return obj{}, err
		}
		dk := make([]byte, n)
		if _, err := rand.Read(dk); err != nil {
			return nil, kmserr.Internal("random source failed")
		}
		text := base64.StdEncoding.EncodeToString(dk)
		out, err := c.seal(id, []byte(text), aad)
		if err != nil {
			return nil, err
		}
		if withPlaintext {
			out["Plaintext"] = text
		}
		return out, nil
	}
}

func reEncrypt(c *opCtx) (obj, error) {
	text, err := c.p.Required("CiphertextBlob")
	if err != nil {
		return nil, err
	}
	dest, err := c.p.Required("DestinationKeyId")
	if err != nil {
		return nil, err
	}
	srcAad, err := c.contextAad("SourceEncryptionContext")
	if err != nil {
		return nil, err
	}
	dstAad, err := c.contextAad("DestinationEncryptionContext")
	if err != nil {
		return nil, err
	}
	dry, err := c.dry()
	if err != nil {
		return nil, err
	}
	if c.p["SourceEncryptionAlgorithm"] != "" || c.p["SourceKeyVersionId"] != "" {
		return c.reEncryptAsymmetric(text, dest, dstAad, dry)
	}
	o, err := c.open(text, srcAad, dry)
	if err != nil {
		return nil, err
	}
	if src := c.p["SourceKeyId"]; src != "" {
		k, err := c.describe(src)
		if err != nil {
			return nil, err
		}
		if k.KeyId != o.KeyId {
			return nil, kmserr.InvalidParameter("The CiphertextBlob was not made with SourceKeyId %s.", src)
		}
	}
	if dry {
		_, err := c.usableKey(dest)
		return obj{}, err
	}
	return c.seal(dest, o.Plaintext, dstAad)
}

// reEncryptAsymmetric is ReEncrypt of an asymmetric ciphertext (the raw
// RSA-OAEP or SM2 output, base64): the source key, version and algorithm
// name how to open it, as AsymmetricDecrypt takes them.
func (c *opCtx) reEncryptAsymmetric(text, dest string, dstAad []byte, dry bool) (obj, error) {
	src, err := c.p.Required("SourceKeyId")
	if err != nil {
		return nil, err
	}
	version, err := c.p.Required("SourceKeyVersionId")
	if err != nil {
		return nil, err
	}
	alg, err := c.p.Required("SourceEncryptionAlgorithm")
	if err != nil {
		return nil, err
	}
	if _, err := base64.StdEncoding.DecodeString(text); err != nil {
		return nil, invalid("CiphertextBlob")
	}
	if dry {
		if _, err := c.usableKey(src); err != nil {
			return nil, err
		}
		_, err := c.usableKey(dest)
		return obj{}, err
	}
	var dec struct{ Plaintext []byte }
	if _, err := c.callMeta("Decrypt", obj{"KeyId": src, "CiphertextBlob": text, "Algorithm": alg}, &dec, kms.Meta{KeyVersionID: version}); err != nil {
		return nil, classicVersionError(err)
	}
	return c.seal(dest, dec.Plaintext, dstAad)
}
