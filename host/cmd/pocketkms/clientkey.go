//go:build !wasm

package main

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
)

// clientKeyValidity is how long a created ClientKey's certificate is valid.
// Signature checks ignore it (as the product's SDK test key shows, an expired
// certificate still signs); it only informs `clientkey list`.
const clientKeyValidity = 5 * 365 * 24 * time.Hour

func clientkey(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: pocketkms clientkey create|import|list|revoke [--data DIR] ...\n")
		return 2
	}
	sub := args[0]
	dir, rest, err := splitDataFlag(args[1:])
	if err != nil {
		return fail(stderr, err)
	}
	fs := flag.NewFlagSet("clientkey "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "where to write the new ClientKey JSON file (create)")
	file := fs.String("file", "", "the ClientKey JSON file to register (import)")
	pwFile := fs.String("password-file", "", "file holding the ClientKey password (first line)")
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	switch sub {
	case "create":
		if *out == "" || *pwFile == "" || fs.NArg() != 0 {
			return fail(stderr, errors.New("usage: pocketkms clientkey create [--data DIR] --out FILE.json --password-file FILE"))
		}
		pw, err := readPassword(*pwFile)
		if err != nil {
			return fail(stderr, err)
		}
		id, content, key, value, err := clientkeys.Create(rand.Reader, pw, clientKeyValidity)
		if err != nil {
			return fail(stderr, err)
		}
		// Write the file first, with O_EXCL: never overwrite a ClientKey,
		// never register a key whose private half was not saved.
		f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fail(stderr, fmt.Errorf("writing the ClientKey: %v", err))
		}
		if _, err := f.Write(content); err != nil {
			f.Close()
			os.Remove(*out)
			return fail(stderr, err)
		}
		if err := f.Close(); err != nil {
			os.Remove(*out)
			return fail(stderr, err)
		}
		if err := register(dir, key, value); err != nil {
			os.Remove(*out)
			return fail(stderr, err)
		}
		return printJSON(stdout, map[string]string{"ClientKeyId": id, "File": *out})
	case "import":
		if *file == "" || *pwFile == "" || fs.NArg() != 0 {
			return fail(stderr, errors.New("usage: pocketkms clientkey import [--data DIR] --file clientKey.json --password-file FILE"))
		}
		pw, err := readPassword(*pwFile)
		if err != nil {
			return fail(stderr, err)
		}
		content, err := os.ReadFile(*file)
		if err != nil {
			return fail(stderr, err)
		}
		key, value, err := clientkeys.RecordFromClientKey(content, pw)
		if err != nil {
			return fail(stderr, err)
		}
		if err := register(dir, key, value); err != nil {
			return fail(stderr, err)
		}
		return printJSON(stdout, map[string]string{"ClientKeyId": strings.TrimPrefix(key, store.ClientKeyPrefix)})
	case "list":
		d, err := openData(dir)
		if err != nil {
			return fail(stderr, err)
		}
		defer d.Close()
		recs, err := clientkeys.List(d.backend)
		if err != nil {
			return fail(stderr, err)
		}
		type item struct {
			ClientKeyId, Source, CreationDate string
			NotAfter                          string `json:",omitempty"`
		}
		items := []item{}
		for _, r := range recs {
			it := item{ClientKeyId: r.ClientKeyId, Source: r.Source, CreationDate: r.CreatedAt.Format(time.RFC3339)}
			if !r.NotAfter.IsZero() {
				it.NotAfter = r.NotAfter.Format(time.RFC3339)
			}
			items = append(items, it)
		}
		return printJSON(stdout, map[string]any{"ClientKeys": items})
	case "revoke":
		if fs.NArg() != 1 {
			return fail(stderr, errors.New("usage: pocketkms clientkey revoke [--data DIR] ID"))
		}
		d, err := openData(dir)
		if err != nil {
			return fail(stderr, err)
		}
		defer d.Close()
		if err := clientkeys.Revoke(d.backend, fs.Arg(0)); err != nil {
			return fail(stderr, err)
		}
		return printJSON(stdout, map[string]string{"Revoked": fs.Arg(0)})
	}
	return fail(stderr, fmt.Errorf("unknown clientkey command %q (create, import, list, revoke)", sub))
}

func register(dir, key string, value []byte) error {
	d, err := openData(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return clientkeys.Register(d.backend, key, value)
}

// readPassword reads the first line of a password file (a file, not a flag,
// so that passwords stay out of shell history and process lists).
func readPassword(name string) (string, error) {
	b, err := os.ReadFile(name)
	if err != nil {
		return "", fmt.Errorf("password file: %v", err)
	}
	pw, _, _ := strings.Cut(string(b), "\n")
	pw = strings.TrimSuffix(pw, "\r")
	if pw == "" {
		return "", fmt.Errorf("password file %s is empty", name)
	}
	return pw, nil
}

func printJSON(w io.Writer, v any) int {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return 1
	}
	return 0
}

func fail(stderr io.Writer, err error) int {
	fmt.Fprintln(stderr, "pocketkms:", err)
	return 1
}
