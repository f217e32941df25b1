package main

import (
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/pocketkms/pocketkms/core/store"
)

// This file holds the byte encodings of the ABI. It has no build tag so that
// it is unit-tested natively; the host side (host/wasmhost) has its own,
// independent implementation of the same encodings.

// Write ops in a kv_commit batch.
const (
	opPut    = 1
	opDelete = 2
)

// encodeBatch is the kv_commit argument: u32 nReads, per read (u32 keyLen,
// key, i64 rev), u32 nWrites, per write (u8 op, u32 keyLen, key, and for a put
// u32 valLen, val). All integers little-endian. Reads are sorted by key so
// that the same transaction always encodes to the same bytes.
func encodeBatch(reads map[string]int64, writes []store.Write) []byte {
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
		op := byte(opPut)
		if w.Value == nil {
			op = opDelete
		}
		b = append(b, op)
		b = binary.LittleEndian.AppendUint32(b, uint32(len(w.Key)))
		b = append(b, w.Key...)
		if op == opPut {
			b = binary.LittleEndian.AppendUint32(b, uint32(len(w.Value)))
			b = append(b, w.Value...)
		}
	}
	return b
}

var errTruncated = errors.New("truncated key list from host")

// decodeList parses kv_list's answer (per key: u32 LE length, key bytes). It
// checks that every key has the prefix asked for and sorts them, so that a
// host whose sort order differs (JavaScript sorts UTF-16 code units) still
// gives the engine Go's byte order.
func decodeList(b []byte, prefix string) ([]string, error) {
	var keys []string
	for len(b) > 0 {
		if len(b) < 4 {
			return nil, errTruncated
		}
		n := binary.LittleEndian.Uint32(b)
		b = b[4:]
		if uint64(n) > uint64(len(b)) {
			return nil, errTruncated
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
