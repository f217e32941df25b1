package kms

import (
	"crypto/sha256"
	"errors"
	"strings"
	"sync"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/asym"
)

// Message types of Sign and Verify.
const (
	MessageRaw    = "RAW"
	MessageDigest = "DIGEST"
)

// unsupported is the error for a key that cannot do op: a symmetric key, or
// an asymmetric key made for the other usage (spec §10.2).
func unsupported(k *keyRecord, op string) error {
	return kmserr.New(400, kmserr.CodeUnsupportedOperation, "The key %s does not support %s.", k.KeyId, op)
}

// asymKey resolves name to a usable asymmetric key whose usage allows op
// (any usage when usage is ""), and the version m names, else the newest.
func (c *call) asymKey(name string, m Meta, usage, op string) (*keyRecord, *versionRecord, *asym.Key, error) {
	k, err := c.resolve(name)
	if err != nil {
		return nil, nil, nil, err
	}
	if k.symmetric() || (usage != "" && k.KeyUsage != usage) {
		return nil, nil, nil, unsupported(k, op)
	}
	if err := usable(k); err != nil {
		return nil, nil, nil, err
	}
	v, err := pick(k, m, k.primary())
	if err != nil {
		return nil, nil, nil, err
	}
	key, err := parsedKey(v)
	if err != nil {
		return nil, nil, nil, err
	}
	return k, v, key, nil
}

// parsed caches parsed private keys by a digest of their version id and
// material: parsing and checking an RSA key costs more than signing with
// it. The material is in this process's memory whenever it is used anyway;
// the cache holds it at most until maxParsed other keys have been used.
var parsed struct {
	sync.Mutex
	m map[[32]byte]*asym.Key
}

const maxParsed = 256

func parsedKey(v *versionRecord) (*asym.Key, error) {
	h := sha256.New()
	h.Write([]byte(v.KeyVersionId))
	h.Write([]byte{0})
	h.Write(v.Material)
	var id [32]byte
	h.Sum(id[:0])
	parsed.Lock()
	key, ok := parsed.m[id]
	parsed.Unlock()
	if ok {
		return key, nil
	}
	key, err := asym.ParsePKCS8(v.Material)
	if err != nil {
		return nil, kmserr.Internal("the material of key version %s is corrupt", v.KeyVersionId)
	}
	parsed.Lock()
	if parsed.m == nil || len(parsed.m) >= maxParsed {
		parsed.m = map[[32]byte]*asym.Key{}
	}
	parsed.m[id] = key
	parsed.Unlock()
	return key, nil
}

// asymAlgorithm is the requested algorithm if it is one of algs, the first
// of algs (the key's default) when none is requested.
func asymAlgorithm(k *keyRecord, requested string, algs []string) (string, error) {
	if requested == "" {
		return algs[0], nil
	}
	for _, a := range algs {
		if a == requested {
			return a, nil
		}
	}
	return "", kmserr.InvalidParameter("Algorithm %q does not fit the key %s, which is %s: use %s", requested, k.KeyId, k.KeySpec, strings.Join(algs, " or "))
}

// signedDigest is the digest a Sign or Verify request signs, and its
// effective MessageType. A C# client's Digest field, given alone, is a
// DIGEST message (spec §2).
func signedDigest(key *asym.Key, alg, messageType string, message, digest []byte) (string, []byte, error) {
	if len(digest) > 0 {
		if len(message) > 0 {
			return "", nil, kmserr.InvalidParameter("give Message or Digest, not both")
		}
		if messageType == MessageRaw {
			return "", nil, kmserr.InvalidParameter("Digest is a digest: MessageType RAW needs Message")
		}
		message, messageType = digest, MessageDigest
	}
	if messageType == "" {
		messageType = MessageRaw
	}
	if len(message) == 0 {
		return "", nil, kmserr.New(400, kmserr.CodeMissingParameter, "Message is required")
	}
	switch messageType {
	case MessageRaw:
		d, err := key.Public().Digest(alg, message)
		if err != nil {
			return "", nil, kmserr.Internal("digest: %v", err)
		}
		return messageType, d, nil
	case MessageDigest:
		if len(message) != asym.DigestSize {
			return "", nil, kmserr.InvalidParameter("Message is %d bytes: a DIGEST message is %d bytes", len(message), asym.DigestSize)
		}
		return messageType, message, nil
	}
	return "", nil, kmserr.InvalidParameter("MessageType %q is not valid: use RAW or DIGEST", messageType)
}

// signed is what Sign and Verify both resolve from a request: the key
// version, the algorithm and message type in effect, and the digest.
type signed struct {
	k      *keyRecord
	v      *versionRecord
	key    *asym.Key
	alg    string
	mt     string
	digest []byte
}

func (c *call) signInput(op, keyID string, m Meta, algorithm, messageType string, message, digest []byte) (signed, error) {
	k, v, key, err := c.asymKey(keyID, m, UsageSign, op)
	if err != nil {
		return signed{}, err
	}
	alg, err := asymAlgorithm(k, algorithm, asym.SignAlgorithms(k.KeySpec))
	if err != nil {
		return signed{}, err
	}
	mt, d, err := signedDigest(key, alg, messageType, message, digest)
	if err != nil {
		return signed{}, err
	}
	return signed{k: k, v: v, key: key, alg: alg, mt: mt, digest: d}, nil
}

func (e *Engine) sign(r *pb.SignRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		si, err := c.signInput("Sign", r.KeyId, in, r.Algorithm, r.MessageType, r.Message, r.Digest)
		if err != nil {
			return nil, err
		}
		sig, err := si.key.Sign(c.e.rand, si.alg, si.digest)
		if err != nil {
			return nil, kmserr.Internal("sign: %v", err)
		}
		meta.KeyVersionID = si.v.KeyVersionId
		return &pb.SignResponse{KeyId: si.k.KeyId, Signature: sig, Algorithm: si.alg, MessageType: si.mt}, nil
	})
}

func (e *Engine) verify(r *pb.VerifyRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		si, err := c.signInput("Verify", r.KeyId, in, r.Algorithm, r.MessageType, r.Message, r.Digest)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = si.v.KeyVersionId
		return &pb.VerifyResponse{KeyId: si.k.KeyId, Value: si.key.Public().Verify(si.alg, si.digest, r.Signature), Algorithm: si.alg, MessageType: si.mt}, nil
	})
}

func (e *Engine) getPublicKey(r *pb.GetPublicKeyRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, v, key, err := c.asymKey(r.KeyId, in, "", "GetPublicKey")
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.GetPublicKeyResponse{KeyId: k.KeyId, PublicKey: string(asym.PEM(asym.PEMPublicKey, key.Public().SPKI()))}, nil
	})
}

// asymNoExtras refuses the symmetric-only fields of Encrypt and Decrypt
// when the key is asymmetric, rather than ignoring them.
func asymNoExtras(aad, iv []byte, padding string) error {
	switch {
	case len(aad) > 0:
		return kmserr.InvalidParameter("Aad is for symmetric keys: an asymmetric key takes none")
	case len(iv) > 0:
		return kmserr.InvalidParameter("Iv is for symmetric keys: an asymmetric key takes none")
	case padding != "":
		return kmserr.InvalidParameter("PaddingMode is for symmetric keys: an asymmetric key takes none")
	}
	return nil
}

// asymEncrypt is Encrypt with an asymmetric key: the CiphertextBlob is the
// raw cipher output, with the newest version (or the one m names).
func (c *call) asymEncrypt(r *pb.EncryptRequest, in Meta, meta *Meta) (pb.Message, error) {
	k, v, key, err := c.asymKey(r.KeyId, in, UsageEncrypt, "Encrypt")
	if err != nil {
		return nil, err
	}
	alg, err := asymAlgorithm(k, r.Algorithm, asym.EncryptAlgorithms(k.KeySpec))
	if err != nil {
		return nil, err
	}
	if err := asymNoExtras(r.Aad, r.Iv, r.PaddingMode); err != nil {
		return nil, err
	}
	if max := key.Public().MaxPlaintext(alg); len(r.Plaintext) > max {
		return nil, kmserr.InvalidParameter("Plaintext is %d bytes: %s with a %s key encrypts at most %d", len(r.Plaintext), alg, k.KeySpec, max)
	}
	if len(r.Plaintext) == 0 && alg == asym.SM2PKE {
		return nil, kmserr.InvalidParameter("Plaintext is empty: SM2PKE encrypts at least one byte")
	}
	ct, err := key.Public().Encrypt(c.e.rand, alg, r.Plaintext)
	if err != nil {
		return nil, kmserr.Internal("encrypt: %v", err)
	}
	meta.KeyVersionID = v.KeyVersionId
	return &pb.EncryptResponse{KeyId: k.KeyId, CiphertextBlob: ct, Algorithm: alg}, nil
}

// asymDecrypt is Decrypt with the asymmetric key keyID.
func (c *call) asymDecrypt(keyID string, r *pb.DecryptRequest, in Meta, meta *Meta) (pb.Message, error) {
	k, v, key, err := c.asymKey(keyID, in, UsageEncrypt, "Decrypt")
	if err != nil {
		return nil, err
	}
	alg, err := asymAlgorithm(k, r.Algorithm, asym.EncryptAlgorithms(k.KeySpec))
	if err != nil {
		return nil, err
	}
	if err := asymNoExtras(r.Aad, r.Iv, r.PaddingMode); err != nil {
		return nil, err
	}
	pt, err := key.Decrypt(alg, r.CiphertextBlob)
	if errors.Is(err, asym.ErrDecryption) {
		return nil, kmserr.InvalidParameter("failed to decrypt the ciphertext: wrong key, version or Algorithm, or it was tampered with")
	}
	if err != nil {
		return nil, kmserr.Internal("decrypt: %v", err)
	}
	if pt == nil {
		pt = []byte{}
	}
	meta.KeyVersionID = v.KeyVersionId
	return &pb.DecryptResponse{KeyId: k.KeyId, Plaintext: pt, Algorithm: alg}, nil
}

// asymmetricKeyNamed returns the request's key name (its KeyId, else the
// key of the version header) when that is an asymmetric key, else "".
// Errors are left to the symmetric path, which resolves the key again and
// reports them.
func (c *call) asymmetricKeyNamed(keyID string, m Meta) string {
	if keyID == "" {
		keyID = keyOfVersion(m)
	}
	if keyID == "" {
		return ""
	}
	if k, err := c.resolve(keyID); err == nil && !k.symmetric() {
		return keyID
	}
	return ""
}
