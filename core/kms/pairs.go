package kms

import (
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/asym"
)

// Key formats of the data key pair operations.
const (
	FormatPEM = "PEM"
	FormatDER = "DER"
)

// keyPair is a fresh data key pair in the requested format: the private key
// PKCS#8, the public key SPKI.
type keyPair struct {
	spec            string
	private, public []byte
}

func (c *call) newKeyPair(spec, format string) (*keyPair, error) {
	if spec == "" {
		return nil, kmserr.New(400, kmserr.CodeMissingParameter, "KeyPairSpec is required")
	}
	if !asym.IsSpec(spec) {
		return nil, kmserr.InvalidParameter("KeyPairSpec %q is not valid: use RSA_2048, RSA_3072, RSA_4096, EC_P256, EC_P256K or EC_SM2", spec)
	}
	if format == "" {
		format = FormatPEM // spec §10.5
	}
	if format != FormatPEM && format != FormatDER {
		return nil, kmserr.InvalidParameter("KeyFormat %q is not valid: use PEM or DER", format)
	}
	key, err := asym.Generate(spec, c.e.rand)
	if err != nil {
		return nil, kmserr.Internal("%v", err)
	}
	p := &keyPair{spec: spec, private: key.PKCS8(), public: key.Public().SPKI()}
	if format == FormatPEM {
		p.private, p.public = asym.PEM(asym.PEMPrivateKey, p.private), asym.PEM(asym.PEMPublicKey, p.public)
	}
	return p, nil
}

// sealedPair is a data key pair whose private key is sealed like a
// GenerateDataKey data key, under the initial version (or the one m names),
// so that Decrypt opens it.
type sealedPair struct {
	k    *keyRecord
	pair *keyPair
	s    *sealed
}

func (c *call) sealPair(keyID, alg, spec, format string, aad []byte, m Meta, meta *Meta) (*sealedPair, error) {
	k, err := c.cryptoKey(keyID)
	if err != nil {
		return nil, err
	}
	alg, err = gcmOnly(k, alg)
	if err != nil {
		return nil, err
	}
	v, err := pick(k, m, k.initial())
	if err != nil {
		return nil, err
	}
	pair, err := c.newKeyPair(spec, format)
	if err != nil {
		return nil, err
	}
	s, err := c.seal(k, v, alg, "", nil, aad, pair.private)
	if err != nil {
		return nil, err
	}
	meta.KeyVersionID = v.KeyVersionId
	return &sealedPair{k: k, pair: pair, s: s}, nil
}

// advancePair seals the private key as an AdvanceEncrypt blob under the
// primary version, so that AdvanceDecrypt opens it.
type advancePair struct {
	k    *keyRecord
	v    *versionRecord
	pair *keyPair
	s    *sealed
	blob []byte
}

func (c *call) advanceSealPair(keyID, spec, format string, aad []byte, m Meta, meta *Meta) (*advancePair, error) {
	if _, err := c.cryptoKey(keyID); err != nil {
		return nil, err
	}
	pair, err := c.newKeyPair(spec, format)
	if err != nil {
		return nil, err
	}
	k, v, s, out, err := c.advanceSeal(keyID, m, "", "", nil, aad, pair.private)
	if err != nil {
		return nil, err
	}
	meta.KeyVersionID = v.KeyVersionId
	return &advancePair{k: k, v: v, pair: pair, s: s, blob: out}, nil
}

func (e *Engine) generateDataKeyPair(r *pb.GenerateDataKeyPairRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		p, err := c.sealPair(r.KeyId, r.Algorithm, r.KeyPairSpec, r.KeyFormat, r.Aad, in, meta)
		if err != nil {
			return nil, err
		}
		return &pb.GenerateDataKeyPairResponse{KeyId: p.k.KeyId, Iv: p.s.iv, KeyPairSpec: p.pair.spec,
			PrivateKeyPlaintext: p.pair.private, PrivateKeyCiphertextBlob: p.s.ciphertext, PublicKey: p.pair.public,
			Algorithm: p.s.spec.Name}, nil
	})
}

func (e *Engine) generateDataKeyPairWithoutPlaintext(r *pb.GenerateDataKeyPairWithoutPlaintextRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		p, err := c.sealPair(r.KeyId, r.Algorithm, r.KeyPairSpec, r.KeyFormat, r.Aad, in, meta)
		if err != nil {
			return nil, err
		}
		return &pb.GenerateDataKeyPairWithoutPlaintextResponse{KeyId: p.k.KeyId, Iv: p.s.iv, KeyPairSpec: p.pair.spec,
			PrivateKeyCiphertextBlob: p.s.ciphertext, PublicKey: p.pair.public, Algorithm: p.s.spec.Name}, nil
	})
}

func (e *Engine) advanceGenerateDataKeyPair(r *pb.AdvanceGenerateDataKeyPairRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		p, err := c.advanceSealPair(r.KeyId, r.KeyPairSpec, r.KeyFormat, r.Aad, in, meta)
		if err != nil {
			return nil, err
		}
		return &pb.AdvanceGenerateDataKeyPairResponse{KeyId: p.k.KeyId, Iv: p.s.iv, KeyPairSpec: p.pair.spec,
			PrivateKeyPlaintext: p.pair.private, PrivateKeyCiphertextBlob: p.blob, PublicKey: p.pair.public,
			Algorithm: p.s.spec.Name, KeyVersionId: p.v.KeyVersionId}, nil
	})
}

func (e *Engine) advanceGenerateDataKeyPairWithoutPlaintext(r *pb.AdvanceGenerateDataKeyPairWithoutPlaintextRequest, in Meta, meta *Meta) (pb.Message, error) {
	return e.run(func(c *call) (pb.Message, error) {
		p, err := c.advanceSealPair(r.KeyId, r.KeyPairSpec, r.KeyFormat, r.Aad, in, meta)
		if err != nil {
			return nil, err
		}
		return &pb.AdvanceGenerateDataKeyPairWithoutPlaintextResponse{KeyId: p.k.KeyId, Iv: p.s.iv, KeyPairSpec: p.pair.spec,
			PrivateKeyCiphertextBlob: p.blob, PublicKey: p.pair.public, Algorithm: p.s.spec.Name, KeyVersionId: p.v.KeyVersionId}, nil
	})
}
