//go:build !wasm

package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"unicode/utf8"

	"github.com/pocketkms/pocketkms/core/store"
)

// The sealed store document (docs/storage.md §6): the JS package's
// JsonFileStore file and IndexedDBStore's exportSealed(). Sealed records
// carry the store.Sealed envelope as it is stored, so moving a store between
// the server and the JS package re-encrypts nothing and needs the same root
// key on both sides.
const storeFileFormat = "pocketkms-store"

type storeFile struct {
	Format  string                `json:"format"`
	Version int                   `json:"version"`
	Records map[string]fileRecord `json:"records"`
}

type fileRecord struct {
	Rev    int64   `json:"rev"`
	Value  *string `json:"value,omitempty"`
	Sealed []byte  `json:"sealed,omitempty"`
}

// storeCmd is `pocketkms store export|import`.
func storeCmd(args []string, stdout, stderr io.Writer) int {
	const use = "usage: pocketkms store export [--data DIR] --out FILE.json | store import [--data DIR] --file FILE.json\n"
	if len(args) == 0 || (args[0] != "export" && args[0] != "import") {
		fmt.Fprint(stderr, use)
		return 2
	}
	dir, rest, err := splitDataFlag(args[1:])
	if err != nil {
		return fail(stderr, err)
	}
	fs := flag.NewFlagSet("store "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "the document to write (export; created 0600, never overwritten)")
	in := fs.String("file", "", "the document to load (import)")
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	if fs.NArg() != 0 || (args[0] == "export") != (*out != "") || (args[0] == "import") != (*in != "") {
		fmt.Fprint(stderr, use)
		return 2
	}
	d, err := openData(dir)
	if err != nil {
		return fail(stderr, err)
	}
	defer d.Close()
	if args[0] == "export" {
		n, err := exportStore(d, *out)
		if err != nil {
			return fail(stderr, err)
		}
		fmt.Fprintf(stdout, "exported %d records to %s\n", n, *out)
		return 0
	}
	n, err := importStore(d, *in)
	if err != nil {
		return fail(stderr, err)
	}
	fmt.Fprintf(stdout, "imported %d records from %s\n", n, *in)
	return 0
}

// exportStore writes every record of d. Each sealed record is opened first,
// so a wrong root key fails here rather than on the other side.
func exportStore(d *dataDir, path string) (int, error) {
	names, err := d.db.List("")
	if err != nil {
		return 0, err
	}
	doc := storeFile{Format: storeFileFormat, Version: 1, Records: map[string]fileRecord{}}
	for _, name := range names {
		v, rev, err := d.db.Get(name)
		if err != nil {
			return 0, err
		}
		if rev == 0 {
			continue // deleted meanwhile
		}
		if store.IsSealed(name) {
			if _, _, err := d.backend.Get(name); err != nil {
				return 0, err
			}
			doc.Records[name] = fileRecord{Rev: rev, Sealed: v}
			continue
		}
		if !utf8.Valid(v) {
			return 0, fmt.Errorf("record %s is not text: the document holds unsealed records as strings", name)
		}
		s := string(v)
		doc.Records[name] = fileRecord{Rev: rev, Value: &s}
	}
	text, err := json.MarshalIndent(doc, "", " ")
	if err != nil {
		return 0, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	_, err = f.Write(append(text, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return 0, err
	}
	return len(doc.Records), nil
}

// importStore adds the records of the document at path to d, all in one
// commit or none: every sealed record must open under d's root key, and no
// record may already exist in d.
func importStore(d *dataDir, path string) (int, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	writes, err := parseStoreFile(text, d.rootKey)
	if err != nil {
		return 0, fmt.Errorf("%s: %v", path, err)
	}
	reads := map[string]int64{}
	for _, w := range writes {
		if old, _, err := d.db.Get(w.Key); err != nil {
			return 0, err
		} else if old != nil {
			return 0, fmt.Errorf("the data directory already holds %s: import into a new one", w.Key)
		}
		reads[w.Key] = 0
	}
	if err := d.db.Commit(reads, writes); errors.Is(err, store.ErrConflict) {
		return 0, errors.New("the data directory changed during the import; nothing was imported, try again")
	} else if err != nil {
		return 0, err
	}
	return len(writes), nil
}

// parseStoreFile reads a sealed store document into the writes that store
// it as it is. Every sealed record must be sealed (never a plaintext value
// under a sealed prefix) and open under rootKey; nothing else is decoded.
func parseStoreFile(text, rootKey []byte) ([]store.Write, error) {
	var doc storeFile
	if err := json.Unmarshal(text, &doc); err != nil {
		return nil, fmt.Errorf("not JSON: %v", err)
	}
	if doc.Format != storeFileFormat || doc.Version != 1 || doc.Records == nil {
		return nil, fmt.Errorf("not a %s v1 document", storeFileFormat)
	}
	names := make([]string, 0, len(doc.Records))
	for name := range doc.Records {
		names = append(names, name)
	}
	sort.Strings(names)
	// Sealed envelopes are checked in a scratch store sealed with the same
	// root key, before anything reaches the data directory.
	scratch := store.NewMemory()
	check, err := store.Sealed(scratch, rootKey)
	if err != nil {
		return nil, err
	}
	var writes []store.Write
	for _, name := range names {
		r := doc.Records[name]
		var v []byte
		switch {
		case name == "":
			return nil, errors.New("a record has an empty key")
		case store.IsSealed(name) && r.Sealed == nil:
			return nil, fmt.Errorf("record %s must be sealed: it holds key material or secrets", name)
		case store.IsSealed(name):
			if err := scratch.Commit(nil, []store.Write{{Key: name, Value: r.Sealed}}); err != nil {
				return nil, err
			}
			if _, _, err := check.Get(name); err != nil {
				return nil, fmt.Errorf("%v (is the data directory's root key the one the store was sealed with?)", err)
			}
			v = r.Sealed
		case r.Value == nil:
			return nil, fmt.Errorf("record %s has no value", name)
		default:
			v = []byte(*r.Value)
		}
		writes = append(writes, store.Write{Key: name, Value: v})
	}
	return writes, nil
}
