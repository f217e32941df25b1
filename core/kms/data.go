package kms

import (
	"strings"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/blob"
	"github.com/pocketkms/pocketkms/internal/ids"
	"github.com/pocketkms/pocketkms/internal/modes"
)

// MaxPlaintext bounds what one call encrypts: a request body is at most
// 3 MB, and the product recommends at most 6 KB (envelope encryption beyond).
const MaxPlaintext = 3 << 20

// cryptoKey resolves a key for a data operation: it must exist, be
// symmetric and be usable.
func (c *call) cryptoKey(name string) (*keyRecord, error) {
	k, err := c.resolve(name)
	if err != nil {
		return nil, err
	}
	if !k.symmetric() {
		return nil, kmserr.OnlySymmetric(k.KeyId)
	}
	if err := usable(k); err != nil {
		return nil, err
	}
	return k, nil
}

// encryptionKey is cryptoKey for the operations that encrypt: a due
// rotation is stored first, so they seal with the new primary.
func (c *call) encryptionKey(name string) (*keyRecord, error) {
	k, err := c.cryptoKey(name)
	if err != nil {
		return nil, err
	}
	return k, c.commitRotation(k)
}

// algorithm picks the algorithm for k: the requested one if it fits the key
// spec, else the key's default (AES_GCM or SM4_GCM).
func algorithm(k *keyRecord, requested string) (modes.Spec, error) {
	family, fallback := "AES", modes.AES_GCM
	if k.KeySpec == SpecSM4 {
		family, fallback = "SM4", modes.SM4_GCM
	}
	if requested == "" {
		requested = fallback
	}
	s, ok := modes.Lookup(requested)
	if !ok {
		return modes.Spec{}, kmserr.InvalidParameter("Algorithm %q is not supported: use one of %s", requested, strings.Join(modes.Algorithms(), ", "))
	}
	if s.Cipher != family {
		return modes.Spec{}, kmserr.InvalidParameter("Algorithm %s does not fit the key %s, which is %s", requested, k.KeyId, k.KeySpec)
	}
	return s, nil
}

// sealed is the outcome of one encryption.
type sealed struct {
	spec       modes.Spec
	iv         []byte
	padding    string // effective padding, "" for GCM
	ciphertext []byte
}

func (c *call) seal(k *keyRecord, v *versionRecord, alg, padding string, iv, aad, plaintext []byte) (*sealed, error) {
	s, err := c.sealParams(k, alg, padding, iv, plaintext)
	if err != nil {
		return nil, err
	}
	if s.ciphertext, err = s.sealAppend(nil, v, aad, plaintext); err != nil {
		return nil, err
	}
	return s, nil
}

// sealParams settles everything about one encryption but the ciphertext:
// the algorithm, the IV (drawn when none is given) and the padding.
func (c *call) sealParams(k *keyRecord, alg, padding string, iv, plaintext []byte) (*sealed, error) {
	spec, err := algorithm(k, alg)
	if err != nil {
		return nil, err
	}
	if len(plaintext) > MaxPlaintext {
		return nil, kmserr.InvalidParameter("Plaintext is %d bytes, at most %d are allowed", len(plaintext), MaxPlaintext)
	}
	if len(iv) == 0 && spec.IVSize() > 0 {
		if iv, err = c.random(spec.IVSize()); err != nil {
			return nil, err
		}
	}
	if spec.Padded() && padding == "" {
		padding = modes.PKCS7
	}
	return &sealed{spec: spec, iv: iv, padding: padding}, nil
}

// sealAppend appends the ciphertext of plaintext under v to dst.
func (s *sealed) sealAppend(dst []byte, v *versionRecord, aad, plaintext []byte) ([]byte, error) {
	return s.spec.SealAppend(dst, modes.Params{Key: v.Material, IV: s.iv, Aad: aad, Padding: s.padding}, plaintext)
}

func (c *call) open(k *keyRecord, v *versionRecord, alg, padding string, iv, aad, ct []byte) (modes.Spec, string, []byte, error) {
	spec, err := algorithm(k, alg)
	if err != nil {
		return spec, "", nil, err
	}
	if spec.Padded() && padding == "" {
		padding = modes.PKCS7
	}
	pt, err := spec.Open(modes.Params{Key: v.Material, IV: iv, Aad: aad, Padding: padding}, ct)
	return spec, padding, pt, err
}

func (c *call) advanceSeal(keyID string, m Meta, alg, padding string, iv, aad, plaintext []byte) (*keyRecord, *versionRecord, *sealed, []byte, error) {
	k, err := c.encryptionKey(keyID)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	v, err := pick(k, m, k.primary())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	s, err := c.sealParams(k, alg, padding, iv, plaintext)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	// The ciphertext is sealed straight after room left for the blob's
	// header, in one buffer: no separate ciphertext to copy in (6 KiB and
	// more per call). The header is written once the seal has checked the
	// request's parameters, so that a bad one is still an InvalidParameter.
	b := &blob.Blob{Algorithm: s.spec.Name, Padding: s.padding, KeyVersionID: v.KeyVersionId, IV: s.iv}
	head := b.HeaderLen()
	out, err := s.sealAppend(blobBuffer(head + s.spec.SealedLen(len(plaintext), s.padding))[:head], v, aad, plaintext)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	if h, err := b.AppendHeader(out[:0]); err != nil || len(h) != head {
		return nil, nil, nil, nil, kmserr.Internal("blob header: %v", err)
	}
	s.ciphertext = out[head:]
	return k, v, s, out, nil
}

func (e *Engine) advanceEncrypt(r *pb.AdvanceEncryptRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, v, s, out, err := c.advanceSeal(r.KeyId, in, r.Algorithm, r.PaddingMode, r.Iv, r.Aad, r.Plaintext)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.AdvanceEncryptResponse{KeyId: k.KeyId, CiphertextBlob: out, Iv: s.iv, Algorithm: s.spec.Name,
			PaddingMode: s.padding, KeyVersionId: v.KeyVersionId}, nil
	})
}

func (e *Engine) encrypt(r *pb.EncryptRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		k, err := c.resolve(r.KeyId)
		if err != nil {
			return nil, err
		}
		if !k.symmetric() {
			return c.asymEncrypt(r, in, meta)
		}
		if err := usable(k); err != nil {
			return nil, err
		}
		if err := c.commitRotation(k); err != nil {
			return nil, err
		}
		v, err := pick(k, in, k.initial())
		if err != nil {
			return nil, err
		}
		s, err := c.seal(k, v, r.Algorithm, r.PaddingMode, r.Iv, r.Aad, r.Plaintext)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.EncryptResponse{KeyId: k.KeyId, CiphertextBlob: s.ciphertext, Iv: s.iv, Algorithm: s.spec.Name, PaddingMode: s.padding}, nil
	})
}

// rawDecrypt opens an Encrypt/GenerateDataKey ciphertext with the key's
// initial version (or the one m names) and the parameters the caller kept.
// Without a KeyId, the version header names the key: the transfer SDKs send
// exactly that.
func (c *call) rawDecrypt(keyID string, m Meta, alg, padding string, iv, aad, ct []byte) (*keyRecord, *versionRecord, modes.Spec, string, []byte, error) {
	if keyID == "" && m.KeyVersionID != "" {
		if keyID = keyOfVersion(m); keyID == "" {
			return nil, nil, modes.Spec{}, "", nil, kmserr.New(404, kmserr.CodeKeyNotFound, "The key version %s is not found.", m.KeyVersionID)
		}
	}
	k, err := c.cryptoKey(keyID)
	if err != nil {
		return nil, nil, modes.Spec{}, "", nil, err
	}
	v, err := pick(k, m, k.initial())
	if err != nil {
		return nil, nil, modes.Spec{}, "", nil, err
	}
	spec, padding, pt, err := c.open(k, v, alg, padding, iv, aad, ct)
	return k, v, spec, padding, pt, err
}

func (e *Engine) decrypt(r *pb.DecryptRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		if len(r.CiphertextBlob) == 0 {
			return nil, kmserr.New(400, kmserr.CodeMissingParameter, "CiphertextBlob is required")
		}
		if keyID := c.asymmetricKeyNamed(r.KeyId, in); keyID != "" {
			return c.asymDecrypt(keyID, r, in, meta)
		}
		k, v, spec, padding, pt, err := c.rawDecrypt(r.KeyId, in, r.Algorithm, r.PaddingMode, r.Iv, r.Aad, r.CiphertextBlob)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.DecryptResponse{KeyId: k.KeyId, Plaintext: pt, Algorithm: spec.Name, PaddingMode: padding}, nil
	})
}

func (e *Engine) advanceDecrypt(r *pb.AdvanceDecryptRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		if len(r.CiphertextBlob) == 0 {
			return nil, kmserr.New(400, kmserr.CodeMissingParameter, "CiphertextBlob is required")
		}
		b, perr := blob.Parse(r.CiphertextBlob)
		if perr == nil {
			k, err := c.loadKey(ids.KeyIDOfVersion(b.KeyVersionID))
			if err != nil {
				return nil, err
			}
			if k != nil {
				if in.KeyVersionID != "" && in.KeyVersionID != b.KeyVersionID {
					return nil, kmserr.InvalidParameter("the CiphertextBlob was made with key version %s, not %s", b.KeyVersionID, in.KeyVersionID)
				}
				meta.KeyVersionID = b.KeyVersionID
				return c.openAdvance(r, b, k)
			}
			if r.KeyId == "" {
				return nil, kmserr.KeyNotFound(ids.KeyIDOfVersion(b.KeyVersionID))
			}
		}
		if r.KeyId == "" {
			return nil, kmserr.InvalidParameter("CiphertextBlob is %v; to open an Encrypt ciphertext give KeyId, Algorithm and Iv too", perr)
		}
		k, v, spec, padding, pt, err := c.rawDecrypt(r.KeyId, in, r.Algorithm, r.PaddingMode, r.Iv, r.Aad, r.CiphertextBlob)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.AdvanceDecryptResponse{KeyId: k.KeyId, Plaintext: pt, Algorithm: spec.Name, PaddingMode: padding, KeyVersionId: v.KeyVersionId}, nil
	})
}

// openAdvance opens a self-describing blob. Redundant request fields are
// tolerated when they agree with the blob and refused when they contradict it.
func (c *call) openAdvance(r *pb.AdvanceDecryptRequest, b *blob.Blob, k *keyRecord) (pb.Message, error) {
	if r.KeyId != "" {
		named, err := c.resolve(r.KeyId)
		if err != nil {
			return nil, err
		}
		if named.KeyId != k.KeyId {
			return nil, kmserr.InvalidParameter("the CiphertextBlob was made with key %s, not with %s", k.KeyId, r.KeyId)
		}
	}
	if r.Algorithm != "" && r.Algorithm != b.Algorithm {
		return nil, kmserr.InvalidParameter("the CiphertextBlob was made with %s, not %s", b.Algorithm, r.Algorithm)
	}
	if !k.symmetric() {
		return nil, kmserr.OnlySymmetric(k.KeyId)
	}
	if err := usable(k); err != nil {
		return nil, err
	}
	v := k.version(b.KeyVersionID)
	if v == nil {
		return nil, kmserr.New(404, "Forbidden.KeyVersionNotFound", "The key version %s named by the CiphertextBlob is not found.", b.KeyVersionID)
	}
	spec, padding, pt, err := c.open(k, v, b.Algorithm, b.Padding, b.IV, r.Aad, b.Ciphertext)
	if err != nil {
		return nil, err
	}
	return &pb.AdvanceDecryptResponse{KeyId: k.KeyId, Plaintext: pt, Algorithm: spec.Name, PaddingMode: padding, KeyVersionId: v.KeyVersionId}, nil
}

func dataKeySize(n int32) (int, error) {
	if n == 0 {
		return 32, nil
	}
	if n < 1 || n > 1024 {
		return 0, kmserr.InvalidParameter("NumberOfBytes must be 1 to 1024, got %d", n)
	}
	return int(n), nil
}

// gcmOnly checks the Algorithm of GenerateDataKey: data keys are always
// sealed with the key's GCM algorithm.
func gcmOnly(k *keyRecord, alg string) (string, error) {
	s, err := algorithm(k, alg)
	if err != nil {
		return "", err
	}
	if s.Mode != modes.GCM {
		return "", kmserr.InvalidParameter("data keys are sealed with GCM, Algorithm %s is not allowed", alg)
	}
	return s.Name, nil
}

func (e *Engine) generateDataKey(r *pb.GenerateDataKeyRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		n, err := dataKeySize(r.NumberOfBytes)
		if err != nil {
			return nil, err
		}
		k, err := c.encryptionKey(r.KeyId)
		if err != nil {
			return nil, err
		}
		alg, err := gcmOnly(k, r.Algorithm)
		if err != nil {
			return nil, err
		}
		dk, err := c.random(n)
		if err != nil {
			return nil, err
		}
		v, err := pick(k, in, k.initial())
		if err != nil {
			return nil, err
		}
		s, err := c.seal(k, v, alg, "", nil, r.Aad, dk)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.GenerateDataKeyResponse{KeyId: k.KeyId, Iv: s.iv, Plaintext: dk, CiphertextBlob: s.ciphertext, Algorithm: alg}, nil
	})
}

func (e *Engine) advanceGenerateDataKey(r *pb.AdvanceGenerateDataKeyRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		n, err := dataKeySize(r.NumberOfBytes)
		if err != nil {
			return nil, err
		}
		dk, err := c.random(n)
		if err != nil {
			return nil, err
		}
		k, v, s, out, err := c.advanceSeal(r.KeyId, in, "", "", nil, r.Aad, dk)
		if err != nil {
			return nil, err
		}
		meta.KeyVersionID = v.KeyVersionId
		return &pb.AdvanceGenerateDataKeyResponse{KeyId: k.KeyId, Iv: s.iv, Plaintext: dk, CiphertextBlob: out,
			Algorithm: s.spec.Name, KeyVersionId: v.KeyVersionId}, nil
	})
}

func (e *Engine) generateRandom(r *pb.GenerateRandomRequest) (pb.Message, error) {
	if r.Length < 1 || r.Length > 64 {
		return nil, kmserr.InvalidParameter("Length must be 1 to 64, got %d", r.Length)
	}
	b, err := (&call{e: e}).random(int(r.Length))
	if err != nil {
		return nil, err
	}
	return &pb.GenerateRandomResponse{Random: b}, nil
}
