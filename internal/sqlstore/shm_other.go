//go:build !unix && !wasm

package sqlstore

import "errors"

// Without a mapped wal-index (shm_unix.go) Version reads the commit counter.
type shmHeader struct{}

func openShm(string) (*shmHeader, error) {
	return nil, errors.New("no mapped wal-index on this platform")
}
func (*shmHeader) mapped() bool     { return false }
func (*shmHeader) unmap()           {}
func (*shmHeader) version() Version { return Version{} }
func (*shmHeader) close()           {}
