//go:build wasip1

package main

import (
	"errors"
	"slices"
	"unsafe"

	"github.com/pocketkms/pocketkms/internal/modes"
)

// The host's AES, imported from module "pocketkms_aes" (docs/wasm-abi.md,
// host ciphers). Every host links the module, but only one that has fast
// AES answers available() with 1; the others give 0 and the module keeps
// Go's AES. Each function reads and writes only the ranges it is given and
// returns 0, or 1 when a GCM ciphertext does not authenticate, or a
// negative number when it could not run.

//go:wasmimport pocketkms_aes available
func aesAvailable() int32

//go:wasmimport pocketkms_aes gcm_seal
func aesGCMSeal(key unsafe.Pointer, keyLen uint32, iv unsafe.Pointer, ivLen uint32, aad unsafe.Pointer, aadLen uint32, in unsafe.Pointer, inLen uint32, out unsafe.Pointer) int32

//go:wasmimport pocketkms_aes gcm_open
func aesGCMOpen(key unsafe.Pointer, keyLen uint32, iv unsafe.Pointer, ivLen uint32, aad unsafe.Pointer, aadLen uint32, in unsafe.Pointer, inLen uint32, out unsafe.Pointer) int32

//go:wasmimport pocketkms_aes cbc
func aesCBC(encrypt int32, key unsafe.Pointer, keyLen uint32, iv unsafe.Pointer, buf unsafe.Pointer, bufLen uint32) int32

//go:wasmimport pocketkms_aes ecb
func aesECB(encrypt int32, key unsafe.Pointer, keyLen uint32, buf unsafe.Pointer, bufLen uint32) int32

func init() {
	if aesAvailable() == 1 {
		modes.UseAccelerator(hostAES{})
	}
}

var errHostAES = errors.New("the host's AES failed")

type hostAES struct{}

func flag(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func (hostAES) GCMSeal(dst, key, iv, aad, plaintext []byte) ([]byte, error) {
	n := len(dst)
	out := slices.Grow(dst, len(plaintext)+modes.TagSize)[:n+len(plaintext)+modes.TagSize]
	if aesGCMSeal(ptr(key), uint32(len(key)), ptr(iv), uint32(len(iv)), ptr(aad), uint32(len(aad)),
		ptr(plaintext), uint32(len(plaintext)), ptr(out[n:])) != 0 {
		return nil, errHostAES
	}
	return out, nil
}

func (hostAES) GCMOpen(key, iv, aad, ciphertext []byte) ([]byte, bool, error) {
	out := make([]byte, len(ciphertext)-modes.TagSize)
	switch aesGCMOpen(ptr(key), uint32(len(key)), ptr(iv), uint32(len(iv)), ptr(aad), uint32(len(aad)),
		ptr(ciphertext), uint32(len(ciphertext)), ptr(out)) {
	case 0:
		return out, true, nil
	case 1:
		clear(out)
		return nil, false, nil
	}
	return nil, false, errHostAES
}

func (hostAES) CBC(encrypt bool, key, iv, buf []byte) error {
	if aesCBC(flag(encrypt), ptr(key), uint32(len(key)), ptr(iv), ptr(buf), uint32(len(buf))) != 0 {
		return errHostAES
	}
	return nil
}

func (hostAES) ECB(encrypt bool, key, buf []byte) error {
	if aesECB(flag(encrypt), ptr(key), uint32(len(key)), ptr(buf), uint32(len(buf))) != 0 {
		return errHostAES
	}
	return nil
}
