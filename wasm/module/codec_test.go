package main

import (
	"encoding/hex"
	"reflect"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// batchVector is the kv_commit encoding written out by hand from the ABI
// text (docs/wasm-abi.md); host/wasmhost decodes the same bytes.
const batchVector = "" +
	"01000000" + "0300000061" + "2f62" + "0700000000000000" + // 1 read: "a/b" rev 7
	"02000000" + // 2 writes
	"01" + "0100000078" + "020000007b7d" + // put "x" = "{}"
	"02" + "0100000079" // delete "y"

func TestEncodeBatchVector(t *testing.T) {
	got := encodeBatch(map[string]int64{"a/b": 7}, []store.Write{{Key: "x", Value: []byte("{}")}, {Key: "y"}})
	if hex.EncodeToString(got) != batchVector {
		t.Fatalf("got  %x\nwant %s", got, batchVector)
	}
}

func TestEncodeBatchSortsReads(t *testing.T) {
	reads := map[string]int64{"k/3": 3, "k/1": 1, "k/2": 0}
	first := encodeBatch(reads, nil)
	for range 20 { // map order is random; the encoding must not be
		if got := encodeBatch(reads, nil); string(got) != string(first) {
			t.Fatal("encoding depends on map order")
		}
	}
}

func TestDecodeList(t *testing.T) {
	b, _ := hex.DecodeString("03000000" + "6b2f62" + "03000000" + "6b2f61" + "00000000")
	_, err := decodeList(b, "k/")
	if err == nil {
		t.Fatal("accepted the empty key, which lacks the prefix")
	}
	b = b[:len(b)-4]
	keys, err := decodeList(b, "k/")
	if err != nil || !reflect.DeepEqual(keys, []string{"k/a", "k/b"}) {
		t.Fatalf("keys %q, %v; want sorted [k/a k/b]", keys, err)
	}
	for _, bad := range []string{"03", "05000000" + "6b2f61", "03000000" + "782f61"} {
		raw, _ := hex.DecodeString(bad)
		if _, err := decodeList(raw, "k/"); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

func FuzzDecodeList(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 'k', '/', 'a'}, "k/")
	f.Fuzz(func(t *testing.T, b []byte, prefix string) {
		keys, err := decodeList(b, prefix)
		if err != nil {
			return
		}
		n := 0
		for _, k := range keys {
			n += 4 + len(k)
		}
		if n != len(b) {
			t.Fatalf("decoded %d bytes of %d", n, len(b))
		}
	})
}
