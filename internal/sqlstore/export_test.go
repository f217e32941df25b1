//go:build !wasm

package sqlstore

// MappedHeader reports whether Version reads the mapped WAL-index header.
func (s *Store) MappedHeader() bool { return s.shm.mapped() }

// UnmapHeader makes Version ask SQL, to test that path too.
func (s *Store) UnmapHeader() { s.shm.unmap() }
