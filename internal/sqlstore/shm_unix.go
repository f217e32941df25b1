//go:build unix && !wasm

package sqlstore

import (
	"fmt"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"
)

// shmHeader reads the WAL-index header that SQLite keeps in the database's
// -shm file (https://www.sqlite.org/walformat.html#the_wal_index_header),
// mapped read-only and shared, so that telling whether anything was
// committed costs a few memory loads instead of a read transaction.
//
// Every commit, by any connection of any process, ends by writing the
// header with iChange incremented and mxFrame moved, first to its second
// copy and then, after a memory barrier, to the first one, which is the
// one read here: once a commit has returned, a later read sees its values.
// A WAL restart changes the salts. The four fields together therefore
// change at every commit and repeat only after 2^32 of them.
//
// SQLite truncates the -shm file only when a connection finds it is the
// first one to open the database; the Store pins a connection for its
// lifetime, so that never happens while the mapping exists.
//
// The descriptor stays open until the database is closed: closing any
// descriptor of a file drops every POSIX lock the process holds on it,
// SQLite's included.
type shmHeader struct {
	f   *os.File
	mem []byte
}

// Offsets in the first copy of the header.
const (
	shmIChange = 8
	shmMxFrame = 16
	shmSalt1   = 32
	shmSalt2   = 36
	shmMinSize = 32768 // one wal-index region: present once any reader has run
)

func openShm(dbPath string) (*shmHeader, error) {
	f, err := os.Open(dbPath + "-shm")
	if err != nil {
		return nil, err
	}
	st, err := f.Stat()
	if err == nil && st.Size() < shmMinSize {
		err = fmt.Errorf("%s-shm is %d bytes, not an initialised wal-index", dbPath, st.Size())
	}
	var mem []byte
	if err == nil {
		mem, err = syscall.Mmap(int(f.Fd()), 0, os.Getpagesize(), syscall.PROT_READ, syscall.MAP_SHARED)
	}
	if err != nil {
		return &shmHeader{f: f}, err // the caller closes f after the database
	}
	return &shmHeader{f: f, mem: mem}, nil
}

func (h *shmHeader) mapped() bool { return h != nil && h.mem != nil }

// unmap stops using the mapping, keeping the descriptor until close.
func (h *shmHeader) unmap() {
	if h.mapped() {
		syscall.Munmap(h.mem)
		h.mem = nil
	}
}

func (h *shmHeader) load(off int) uint32 {
	return atomic.LoadUint32((*uint32)(unsafe.Pointer(&h.mem[off])))
}

func (h *shmHeader) version() Version {
	return Version{
		Change: h.load(shmIChange), Frame: h.load(shmMxFrame),
		Salt1: h.load(shmSalt1), Salt2: h.load(shmSalt2),
	}
}

func (h *shmHeader) close() {
	h.unmap()
	h.f.Close()
}
