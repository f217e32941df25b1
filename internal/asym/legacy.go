package asym

import (
	"crypto/rsa"
	"encoding/binary"
	"errors"
	"math/big"
)

// FromLegacy reads the encoding that key records used before asymmetric keys
// could be used (docs/storage.md): RSA keys as their two primes, each
// big-endian with a 4-byte length prefix, public exponent 65537; EC keys as
// their private scalar. Records in that form are rewritten as PKCS#8.
func FromLegacy(spec string, raw []byte) (*Key, error) {
	if rsaBits(spec) == 0 {
		return ecKey(spec, raw)
	}
	var primes []*big.Int
	for len(raw) >= 4 {
		n := binary.BigEndian.Uint32(raw)
		if uint64(len(raw)-4) < uint64(n) {
			break
		}
		primes = append(primes, new(big.Int).SetBytes(raw[4:4+n]))
		raw = raw[4+n:]
	}
	if len(primes) != 2 || len(raw) != 0 {
		return nil, errors.New("the legacy RSA key is not two primes")
	}
	one := big.NewInt(1)
	p1, q1 := new(big.Int).Sub(primes[0], one), new(big.Int).Sub(primes[1], one)
	phi := new(big.Int).Mul(p1, q1)
	e := big.NewInt(65537)
	d := new(big.Int).ModInverse(e, phi)
	if d == nil {
		return nil, errors.New("the legacy RSA key has no private exponent")
	}
	r := &rsa.PrivateKey{PublicKey: rsa.PublicKey{N: new(big.Int).Mul(primes[0], primes[1]), E: 65537}, D: d, Primes: primes}
	if r.N.BitLen() != rsaBits(spec) {
		return nil, errors.New("the legacy RSA key does not have the size of its spec")
	}
	if err := r.Validate(); err != nil {
		return nil, err
	}
	r.Precompute()
	return &Key{spec: spec, rsa: r}, nil
}
