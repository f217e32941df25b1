//go:build !wasm

package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/rootkey"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

// dataDir is an opened data directory: the SQLite store wrapped so that key
// material is sealed with the root key before it reaches the file.
type dataDir struct {
	path    string
	backend store.Backend // sealed; the ClientKey registry lives here too
	db      *sqlstore.Store
	created bool
	rootKey []byte // for `store import`, which opens sealed records before they land; cleared by Close
}

// File names inside a data directory.
const (
	dbFile      = "pocketkms.db"
	rootKeyFile = "root.key"
)

// openData opens dir, creating it, the database and the root key on first use.
func openData(dir string) (*dataDir, error) {
	_, statErr := os.Stat(filepath.Join(dir, dbFile))
	created := os.IsNotExist(statErr)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("data directory: %v", err)
	}
	// A root key is created only with a new database: if the database exists
	// and its key file is gone, making a fresh key would seal new keys under
	// it and leave every old one unreadable.
	var key []byte
	var err error
	keyPath := rootKeyPath(dir)
	if created {
		key, _, err = rootkey.LoadOrCreate(keyPath)
	} else {
		key, err = rootkey.Load(keyPath)
	}
	if err != nil {
		return nil, err
	}
	db, err := sqlstore.Open(filepath.Join(dir, dbFile))
	if err != nil {
		return nil, err
	}
	sealed, err := store.Sealed(db, key)
	if err == nil {
		err = checkRootKey(sealed, keyPath)
	}
	if err != nil {
		clear(key)
		db.Close()
		return nil, err
	}
	return &dataDir{path: dir, backend: sealed, db: db, created: created, rootKey: key}, nil
}

func (d *dataDir) Close() error {
	clear(d.rootKey)
	return d.db.Close()
}

// rootKeyPath is $POCKETKMS_ROOT_KEY_FILE if set, else DIR/root.key. Keeping
// the root key outside the data directory means a copy or backup of the
// directory alone does not open the keys in it.
func rootKeyPath(dir string) string {
	if p := os.Getenv("POCKETKMS_ROOT_KEY_FILE"); p != "" {
		return p
	}
	return filepath.Join(dir, rootKeyFile)
}

// checkRootKey opens one sealed key record, so that a wrong root key stops
// the process at start rather than failing every request later.
func checkRootKey(b store.Backend, keyPath string) error {
	names, err := b.List(store.KeyPrefix)
	if err != nil || len(names) == 0 {
		return err
	}
	if _, _, err := b.Get(names[0]); err != nil {
		return fmt.Errorf("the root key does not open this data directory's keys (%v): is %s the file this database was created with?", err, keyPath)
	}
	return nil
}
