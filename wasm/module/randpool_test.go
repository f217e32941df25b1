package main

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// counter is a src whose every byte differs from its neighbours, so that a
// byte handed out twice shows up as a repeat.
type counter struct {
	next  uint16
	reads int
}

func (c *counter) Read(b []byte) (int, error) {
	c.reads++
	for i := range b {
		b[i] = byte(c.next)
		c.next++
	}
	return len(b), nil
}

func TestRandPoolHandsOutEachByteOnce(t *testing.T) {
	src := &counter{}
	p := newRandPool(src, 64)
	var got []byte
	for _, n := range []int{12, 16, 16, 12, 16, 3, 12} { // crosses a refill
		b := make([]byte, n)
		if k, err := p.Read(b); err != nil || k != n {
			t.Fatalf("Read(%d) = %d, %v", n, k, err)
		}
		got = append(got, b...)
	}
	want := make([]byte, 0, len(got))
	for i := 0; len(want) < 64; i++ {
		want = append(want, byte(i))
	}
	// The first pool gives 12+16+16+12 = 56 bytes; the next read (16) does not
	// fit the 8 left, so the pool is refilled and those 8 are never used.
	want = want[:56]
	for i := 64; len(want) < len(got); i++ {
		want = append(want, byte(i))
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("pool handed out\n%v\nwant\n%v", got, want)
	}
	if src.reads != 2 {
		t.Errorf("%d reads of the source, want 2 (one per 64-byte fill)", src.reads)
	}
	for i, c := range p.buf[:p.off] {
		if c != 0 {
			t.Fatalf("byte %d of the pool was handed out but not wiped", i)
		}
	}
}

func TestRandPoolLargeReadsBypass(t *testing.T) {
	src := &counter{}
	p := newRandPool(src, 64)
	b := make([]byte, 17) // more than a quarter of the pool
	if _, err := p.Read(b); err != nil {
		t.Fatal(err)
	}
	if src.reads != 1 || p.off != len(p.buf) {
		t.Errorf("a large read went through the pool (source reads %d, pool offset %d)", src.reads, p.off)
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, errors.New("no entropy") }

func TestRandPoolSourceFailure(t *testing.T) {
	p := newRandPool(io.MultiReader(bytes.NewReader(make([]byte, 10)), failing{}), 64)
	if _, err := p.Read(make([]byte, 8)); err == nil {
		t.Fatal("Read succeeded though the source failed while filling the pool")
	}
	if _, err := p.Read(make([]byte, 8)); err == nil {
		t.Fatal("a read after a failed fill served bytes from the half-filled pool")
	}
}
