// Package abi is the one Go implementation of the WebAssembly module's ABI
// encodings (docs/wasm-abi.md): the kv_commit batch, the kv_list key list,
// the kv_get answer, pkms_call's result envelope and pkms_info's
// description. The module (wasm/module) and the wazero host (host/wasmhost)
// both use it; the JS package (wasm/js/host.js) is the third implementation,
// and all three are checked against the byte vectors in
// testdata/vectors.json.
package abi

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pocketkms/pocketkms/core/store"
)

// Version is the ABI version pkms_info reports. It changes when an export,
// an import or an encoding changes; a host refuses a module of another
// version.
const Version = 2

// Request formats of pkms_call and the named exports. FormatProtoMeta is
// FormatProto with the metadata the instance API carries in headers
// (kms.Meta), framed around the request and the response by EncodeMeta.
const (
	FormatProto     = 0
	FormatJSON      = 1
	FormatProtoMeta = 2
)

// The first byte of a result envelope.
const (
	ResultOK    = 0 // the response follows
	ResultError = 1 // the product's Error message follows
)

// Answers of the store imports.
const (
	KVAbsent       = -1 // kv_get: no such key
	KVHostError    = -2 // kv_get, kv_list: the store failed
	CommitOK       = 0
	CommitConflict = 1
	CommitError    = 2
)

// Write ops in a kv_commit batch.
const (
	OpPut    = 1
	OpDelete = 2
)

// MaxAlloc bounds one pkms_alloc, and so one request: pkms_alloc answers 0
// beyond it, and a host answers 413 without calling the module.
const MaxAlloc = 64 << 20

// EncodeBatch is the kv_commit argument: u32 nReads, per read (u32 keyLen,
// key, i64 rev), u32 nWrites, per write (u8 op, u32 keyLen, key, and for a
// put u32 valLen, val). All integers little-endian. Reads are sorted by key
// so that the same transaction always encodes to the same bytes.
func EncodeBatch(reads map[string]int64, writes []store.Write) []byte {
	keys := make([]string, 0, len(reads))
	size := 8
	for k := range reads {
		keys = append(keys, k)
		size += 12 + len(k)
	}
	sort.Strings(keys)
	for _, w := range writes {
		size += 5 + len(w.Key) + 4 + len(w.Value)
	}
	b := make([]byte, 0, size)
	b = binary.LittleEndian.AppendUint32(b, uint32(len(keys)))
	for _, k := range keys {
		b = binary.LittleEndian.AppendUint32(b, uint32(len(k)))
		b = append(b, k...)
		b = binary.LittleEndian.AppendUint64(b, uint64(reads[k]))
	}
	b = binary.LittleEndian.AppendUint32(b, uint32(len(writes)))
	for _, w := range writes {
		op := byte(OpPut)
		if w.Value == nil {
			op = OpDelete
		}
		b = append(b, op)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(w.Key)))
		b = append(b, w.Key...)
		if op == OpPut {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(w.Value)))
			b = append(b, w.Value...)
		}
	}
	return b
}

// DecodeBatch parses a kv_commit batch, copying everything out of b (a
// host's view of guest memory; the backend may keep what it is given).
func DecodeBatch(b []byte) (map[string]int64, []store.Write, error) {
	d := decoder{b: b}
	nr := d.u32()
	reads := make(map[string]int64, min(nr, 1024))
	for i := uint32(0); i < nr && d.err == nil; i++ {
		k := string(d.bytes(d.u32()))
		reads[k] = int64(d.u64())
	}
	nw := d.u32()
	var writes []store.Write
	for i := uint32(0); i < nw && d.err == nil; i++ {
		op := d.u8()
		k := string(d.bytes(d.u32()))
		switch {
		case d.err != nil:
		case op == OpPut:
			v := append([]byte{}, d.bytes(d.u32())...)
			writes = append(writes, store.Write{Key: k, Value: v})
		case op == OpDelete:
			writes = append(writes, store.Write{Key: k})
		default:
			d.fail(fmt.Errorf("commit batch: write op %d is not 1 (put) or 2 (delete)", op))
		}
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail(fmt.Errorf("commit batch: %d trailing bytes", len(d.b)))
	}
	if d.err != nil {
		return nil, nil, d.err
	}
	return reads, writes, nil
}

// EncodeList is kv_list's answer: per key, u32 LE length then the key.
func EncodeList(keys []string) []byte {
	n := 0
	for _, k := range keys {
		n += 4 + len(k)
	}
	out := make([]byte, 0, n)
	for _, k := range keys {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(k)))
		out = append(out, k...)
	}
	return out
}

var errTruncatedList = errors.New("truncated key list from host")

// DecodeList parses kv_list's answer. It checks that every key has the
// prefix asked for and sorts them, so that a host whose sort order differs
// (JavaScript sorts UTF-16 code units) still gives the engine Go's byte
// order.
func DecodeList(b []byte, prefix string) ([]string, error) {
	var keys []string
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errTruncatedList
		}
		n := binary.LittleEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, errTruncatedList
		}
		k := string(b[:n])
		b = b[n:]
		if !strings.HasPrefix(k, prefix) {
			return nil, fmt.Errorf("host listed key %q for prefix %q", k, prefix)
		}
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys, nil
}

// EncodeValue is kv_get's answer for a present key: the revision (i64 LE)
// then the value.
func EncodeValue(rev int64, value []byte) []byte {
	out := make([]byte, 8+len(value))
	PutValue(out, rev, value)
	return out
}

// PutValue writes EncodeValue's bytes into dst, which has room for exactly
// 8+len(value): a host writes the answer straight into the guest's buffer.
func PutValue(dst []byte, rev int64, value []byte) {
	binary.LittleEndian.PutUint64(dst, uint64(rev))
	copy(dst[8:], value)
}

// DecodeValue splits kv_get's answer, refusing a revision that is not
// positive: revision 0 means absent to the engine, and accepting it for a
// present record would turn every commit that read it into a conflict. The
// value aliases b.
func DecodeValue(b []byte) (rev int64, value []byte, err error) {
	if len(b) < 8 {
		return 0, nil, fmt.Errorf("host store answered %d bytes, less than the 8-byte revision", len(b))
	}
	rev = int64(binary.LittleEndian.Uint64(b))
	if rev <= 0 {
		return 0, nil, fmt.Errorf("host store gave revision %d; revisions must be positive", rev)
	}
	return rev, b[8:], nil
}

// EncodeMeta frames a FormatProtoMeta message: uvarint(len(keyVersionID)),
// the key version id (x-kms-migrationkeyversionid; empty for none), then
// the protobuf body.
func EncodeMeta(keyVersionID string, body []byte) []byte {
	out := AppendMeta(make([]byte, 0, binary.MaxVarintLen64+len(keyVersionID)+len(body)), keyVersionID)
	return append(out, body...)
}

// AppendMeta appends the metadata that starts a FormatProtoMeta message,
// for a writer that appends the body itself.
func AppendMeta(dst []byte, keyVersionID string) []byte {
	return append(binary.AppendUvarint(dst, uint64(len(keyVersionID))), keyVersionID...)
}

// DecodeMeta splits a FormatProtoMeta message; body aliases framed.
func DecodeMeta(framed []byte) (keyVersionID string, body []byte, err error) {
	n, k := binary.Uvarint(framed)
	if k <= 0 || n > uint64(len(framed)-k) {
		return "", nil, errors.New("a format 2 message does not start with its metadata")
	}
	return string(framed[k : k+int(n)]), framed[k+int(n):], nil
}

// Result is a result envelope: ResultOK or ResultError, then body.
func Result(status byte, body []byte) []byte {
	return append([]byte{status}, body...)
}

// SplitResult splits a result envelope into its status and body (which
// aliases out).
func SplitResult(out []byte) (status byte, body []byte, err error) {
	if len(out) == 0 {
		return 0, nil, errors.New("the module returned an empty result")
	}
	if out[0] != ResultOK && out[0] != ResultError {
		return 0, nil, fmt.Errorf("the module returned result tag %d", out[0])
	}
	return out[0], out[1:], nil
}

type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(err error) {
	if d.err == nil {
		d.err = err
	}
}

func (d *decoder) bytes(n uint32) []byte {
	if d.err != nil {
		return nil
	}
	if uint64(n) > uint64(len(d.b)) {
		d.fail(errors.New("commit batch: truncated"))
		return nil
	}
	out := d.b[:n]
	d.b = d.b[n:]
	return out
}

func (d *decoder) u8() byte {
	if b := d.bytes(1); b != nil {
		return b[0]
	}
	return 0
}

func (d *decoder) u32() uint32 {
	if b := d.bytes(4); b != nil {
		return binary.LittleEndian.Uint32(b)
	}
	return 0
}

func (d *decoder) u64() uint64 {
	if b := d.bytes(8); b != nil {
		return binary.LittleEndian.Uint64(b)
	}
	return 0
}
