package abi

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
)

// vectors is testdata/vectors.json, which tests/node/abi.test.mjs reads too.
type vectors struct {
	ABI     int `json:"abi"`
	Batches []struct {
		Name   string      `json:"name"`
		Reads  [][2]any    `json:"reads"`
		Writes []jsonWrite `json:"writes"`
		Hex    string      `json:"hex"`
	} `json:"batches"`
	BadBatches []bad `json:"badBatches"`
	Lists      []struct {
		Name      string   `json:"name"`
		Prefix    string   `json:"prefix"`
		Keys      []string `json:"keys"`
		Hex       string   `json:"hex"`
		Reordered bool     `json:"reordered"`
	} `json:"lists"`
	BadLists []bad `json:"badLists"`
	Values   []struct {
		Name  string `json:"name"`
		Rev   int64  `json:"rev"`
		Value string `json:"value"`
		Hex   string `json:"hex"`
	} `json:"values"`
	BadValues []bad `json:"badValues"`
	Results   []struct {
		Name   string `json:"name"`
		Hex    string `json:"hex"`
		Status byte   `json:"status"`
		Body   string `json:"body"`
	} `json:"results"`
	BadResults []bad `json:"badResults"`
	MetaFrames []struct {
		Name         string `json:"name"`
		KeyVersionID string `json:"keyVersionId"`
		Body         string `json:"body"`
		Hex          string `json:"hex"`
	} `json:"metaFrames"`
	BadMetaFrames []bad `json:"badMetaFrames"`
}

type jsonWrite struct {
	Key   string  `json:"key"`
	Value *string `json:"value"`
}

type bad struct {
	Name   string `json:"name"`
	Prefix string `json:"prefix"`
	Hex    string `json:"hex"`
}

func load(t testing.TB) vectors {
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v vectors
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatal(err)
	}
	if v.ABI != Version {
		t.Fatalf("vectors are for ABI %d, this is ABI %d", v.ABI, Version)
	}
	return v
}

func unhex(t testing.TB, s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestBatchVectors(t *testing.T) {
	v := load(t)
	for _, c := range v.Batches {
		t.Run(c.Name, func(t *testing.T) {
			reads := map[string]int64{}
			for _, r := range c.Reads {
				reads[r[0].(string)] = int64(r[1].(float64))
			}
			var writes []store.Write
			for _, w := range c.Writes {
				sw := store.Write{Key: w.Key}
				if w.Value != nil {
					sw.Value = []byte(*w.Value)
				}
				writes = append(writes, sw)
			}
			want := unhex(t, c.Hex)
			if got := EncodeBatch(reads, writes); !bytes.Equal(got, want) {
				t.Fatalf("EncodeBatch\n got  %x\n want %x", got, want)
			}
			gr, gw, err := DecodeBatch(want)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gr, reads) || len(gw) != len(writes) {
				t.Fatalf("DecodeBatch: reads %v writes %v", gr, gw)
			}
			for i := range gw {
				// A put of "" stays a put: nil is a delete, an empty value is not.
				if gw[i].Key != writes[i].Key || !bytes.Equal(gw[i].Value, writes[i].Value) || (gw[i].Value == nil) != (writes[i].Value == nil) {
					t.Fatalf("write %d: got %+v, want %+v", i, gw[i], writes[i])
				}
			}
		})
	}
	for _, c := range v.BadBatches {
		t.Run("bad/"+c.Name, func(t *testing.T) {
			if r, w, err := DecodeBatch(unhex(t, c.Hex)); err == nil {
				t.Fatalf("accepted: %v %v", r, w)
			}
		})
	}
}

func TestListVectors(t *testing.T) {
	v := load(t)
	for _, c := range v.Lists {
		t.Run(c.Name, func(t *testing.T) {
			b := unhex(t, c.Hex)
			keys, err := DecodeList(b, c.Prefix)
			if err != nil || len(keys) != len(c.Keys) || (len(keys) > 0 && !reflect.DeepEqual(keys, c.Keys)) {
				t.Fatalf("DecodeList = %q, %v; want %q", keys, err, c.Keys)
			}
			if got := EncodeList(c.Keys); !c.Reordered && !bytes.Equal(got, b) {
				t.Fatalf("EncodeList\n got  %x\n want %x", got, b)
			}
		})
	}
	for _, c := range v.BadLists {
		t.Run("bad/"+c.Name, func(t *testing.T) {
			if keys, err := DecodeList(unhex(t, c.Hex), c.Prefix); err == nil {
				t.Fatalf("accepted: %q", keys)
			}
		})
	}
}

func TestValueVectors(t *testing.T) {
	v := load(t)
	for _, c := range v.Values {
		t.Run(c.Name, func(t *testing.T) {
			b := unhex(t, c.Hex)
			if got := EncodeValue(c.Rev, []byte(c.Value)); !bytes.Equal(got, b) {
				t.Fatalf("EncodeValue\n got  %x\n want %x", got, b)
			}
			rev, val, err := DecodeValue(b)
			if err != nil || rev != c.Rev || string(val) != c.Value {
				t.Fatalf("DecodeValue = %d %q %v", rev, val, err)
			}
		})
	}
	for _, c := range v.BadValues {
		t.Run("bad/"+c.Name, func(t *testing.T) {
			if rev, _, err := DecodeValue(unhex(t, c.Hex)); err == nil {
				t.Fatalf("accepted revision %d", rev)
			}
		})
	}
}

func TestResultVectors(t *testing.T) {
	v := load(t)
	for _, c := range v.Results {
		t.Run(c.Name, func(t *testing.T) {
			b := unhex(t, c.Hex)
			body := unhex(t, c.Body)
			if got := Result(c.Status, body); !bytes.Equal(got, b) {
				t.Fatalf("Result = %x, want %x", got, b)
			}
			st, gb, err := SplitResult(b)
			if err != nil || st != c.Status || !bytes.Equal(gb, body) {
				t.Fatalf("SplitResult = %d %x %v", st, gb, err)
			}
		})
	}
	for _, c := range v.BadResults {
		t.Run("bad/"+c.Name, func(t *testing.T) {
			if _, _, err := SplitResult(unhex(t, c.Hex)); err == nil {
				t.Fatal("accepted")
			}
		})
	}
}

func TestMetaVectors(t *testing.T) {
	v := load(t)
	for _, c := range v.MetaFrames {
		t.Run(c.Name, func(t *testing.T) {
			b, body := unhex(t, c.Hex), unhex(t, c.Body)
			if got := EncodeMeta(c.KeyVersionID, body); !bytes.Equal(got, b) {
				t.Fatalf("EncodeMeta = %x, want %x", got, b)
			}
			id, gb, err := DecodeMeta(b)
			if err != nil || id != c.KeyVersionID || !bytes.Equal(gb, body) {
				t.Fatalf("DecodeMeta = %q %x %v", id, gb, err)
			}
		})
	}
	for _, c := range v.BadMetaFrames {
		t.Run("bad/"+c.Name, func(t *testing.T) {
			if id, _, err := DecodeMeta(unhex(t, c.Hex)); err == nil {
				t.Fatalf("accepted %q", id)
			}
		})
	}
}

func TestEncodeBatchSortsReads(t *testing.T) {
	reads := map[string]int64{"k/3": 3, "k/1": 1, "k/2": 0}
	first := EncodeBatch(reads, nil)
	for range 20 { // map order is random; the encoding must not be
		if got := EncodeBatch(reads, nil); string(got) != string(first) {
			t.Fatal("encoding depends on map order")
		}
	}
}

func FuzzDecodeList(f *testing.F) {
	f.Add([]byte{3, 0, 0, 0, 'k', '/', 'a'}, "k/")
	f.Fuzz(func(t *testing.T, b []byte, prefix string) {
		keys, err := DecodeList(b, prefix)
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

// FuzzDecodeBatch: whatever DecodeBatch accepts, EncodeBatch writes back to
// the same bytes when the reads were in order and unique.
func FuzzDecodeBatch(f *testing.F) {
	for _, c := range load(f).Batches {
		f.Add(unhex(f, c.Hex))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		reads, writes, err := DecodeBatch(b)
		if err != nil {
			return
		}
		again := EncodeBatch(reads, writes)
		r2, w2, err := DecodeBatch(again)
		if err != nil || !reflect.DeepEqual(r2, reads) || len(w2) != len(writes) {
			t.Fatalf("%x decodes, re-encodes to %x, which decodes to %v %v %v", b, again, r2, w2, err)
		}
	})
}

// FuzzDecodeMeta: a frame DecodeMeta accepts re-encodes to one that decodes
// to the same id and body, and the body is the input's tail.
func FuzzDecodeMeta(f *testing.F) {
	for _, c := range load(f).MetaFrames {
		f.Add(unhex(f, c.Hex))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, body, err := DecodeMeta(b)
		if err != nil {
			return
		}
		if !bytes.HasSuffix(b, body) || len(id)+len(body) > len(b) {
			t.Fatalf("%x: id %q body %x are not the input's", b, id, body)
		}
		id2, body2, err := DecodeMeta(EncodeMeta(id, body))
		if err != nil || id2 != id || !bytes.Equal(body2, body) {
			t.Fatalf("%x: re-encoded frame decodes to %q %x %v", b, id2, body2, err)
		}
	})
}
