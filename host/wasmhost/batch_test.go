package wasmhost

import (
	"bytes"
	"encoding/hex"
	"reflect"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// batchVector is kv_commit's encoding written out by hand from the ABI text
// (docs/wasm-abi.md); wasm/module's codec test checks its encoder against
// the same bytes.
const batchVector = "" +
	"01000000" + "0300000061" + "2f62" + "0700000000000000" + // 1 read: "a/b" rev 7
	"02000000" + // 2 writes
	"01" + "0100000078" + "020000007b7d" + // put "x" = "{}"
	"02" + "0100000079" // delete "y"

func TestDecodeBatchVector(t *testing.T) {
	b, _ := hex.DecodeString(strings.ReplaceAll(batchVector, " ", ""))
	reads, writes, err := decodeBatch(b)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(reads, map[string]int64{"a/b": 7}) {
		t.Errorf("reads %v", reads)
	}
	want := []store.Write{{Key: "x", Value: []byte("{}")}, {Key: "y"}}
	if !reflect.DeepEqual(writes, want) {
		t.Errorf("writes %q, want %q", writes, want)
	}
}

func TestDecodeBatchRejects(t *testing.T) {
	good, _ := hex.DecodeString(batchVector)
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"empty", nil},
		{"truncated", good[:len(good)-1]},
		{"trailing byte", append(append([]byte{}, good...), 0)},
		{"bad op", bytes.Replace(append([]byte{}, good...), []byte{0x02, 0x01, 0, 0, 0, 'y'}, []byte{0x03, 0x01, 0, 0, 0, 'y'}, 1)},
		{"huge count", []byte{0xff, 0xff, 0xff, 0xff}},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, _, err := decodeBatch(c.b); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func FuzzDecodeBatch(f *testing.F) {
	good, _ := hex.DecodeString(batchVector)
	f.Add(good)
	f.Add([]byte{0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		reads, writes, err := decodeBatch(b)
		if err != nil {
			return
		}
		// Whatever decodes fits in the input: no invented records.
		n := 0
		for k := range reads {
			n += len(k)
		}
		for _, w := range writes {
			n += len(w.Key) + len(w.Value)
		}
		if n > len(b) {
			t.Fatalf("decoded %d bytes of keys and values from %d", n, len(b))
		}
	})
}
