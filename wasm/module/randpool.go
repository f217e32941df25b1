package main

import "io"

// randPool serves small random reads (IVs, ids, key material) from a buffer
// that it refills from src a few KiB at a time. In the module src is
// crypto/rand, which asks the host once per read through random_get: two
// host calls per AdvanceEncrypt, and Node answers each with
// crypto.getRandomValues at about 4 µs, more than the rest of a small
// AdvanceEncrypt's host work. The bytes are the same CSPRNG output, only
// fetched ahead; each is handed out once and wiped from the pool as it goes,
// so the pool never holds what became key material. An instance runs one
// call at a time, so the pool needs no lock.
type randPool struct {
	src io.Reader
	buf []byte
	off int // buf[off:] is unused; starts at len(buf), so the first read fills it
}

func newRandPool(src io.Reader, size int) *randPool {
	return &randPool{src: src, buf: make([]byte, size), off: size}
}

// Read fills b completely or fails: reads larger than a quarter of the pool
// go straight to src rather than draining it.
func (p *randPool) Read(b []byte) (int, error) {
	if len(b) > len(p.buf)/4 {
		return io.ReadFull(p.src, b)
	}
	if len(p.buf)-p.off < len(b) {
		if _, err := io.ReadFull(p.src, p.buf); err != nil {
			clear(p.buf)
			p.off = len(p.buf)
			return 0, err
		}
		p.off = 0
	}
	used := p.buf[p.off : p.off+len(b)]
	copy(b, used)
	clear(used)
	p.off += len(b)
	return len(b), nil
}
