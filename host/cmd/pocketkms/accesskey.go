//go:build !wasm

package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/pocketkms/pocketkms/internal/accesskeys"
)

// accesskey manages the AccessKey pairs the classic OpenAPI authenticates
// (docs/classic-api.md). The secret is shown once, by create, on stdout or
// into --out (created 0600, never overwritten); the store keeps it sealed.
func accesskey(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, "usage: pocketkms accesskey create|list|revoke [--data DIR] ...\n")
		return 2
	}
	sub := args[0]
	dir, rest, err := splitDataFlag(args[1:])
	if err != nil {
		return fail(stderr, err)
	}
	fs := flag.NewFlagSet("accesskey "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", "", "write the new pair as JSON to this file instead of stdout (create)")
	if err := fs.Parse(rest); err != nil {
		return 2
	}
	d, err := openData(dir)
	if err != nil {
		return fail(stderr, err)
	}
	defer d.Close()
	switch sub {
	case "create":
		if fs.NArg() != 0 {
			return fail(stderr, errors.New("usage: pocketkms accesskey create [--data DIR] [--out FILE.json]"))
		}
		rec, err := accesskeys.New(rand.Reader, time.Now())
		if err != nil {
			return fail(stderr, err)
		}
		pair := map[string]string{"AccessKeyId": rec.AccessKeyId, "AccessKeySecret": rec.AccessKeySecret}
		if *out != "" {
			f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
			if err != nil {
				return fail(stderr, fmt.Errorf("writing the AccessKey: %v", err))
			}
			if printJSON(f, pair) != 0 || f.Close() != nil {
				os.Remove(*out)
				return fail(stderr, errors.New("writing the AccessKey failed"))
			}
		}
		if err := accesskeys.Register(d.backend, rec); err != nil {
			if *out != "" {
				os.Remove(*out)
			}
			return fail(stderr, err)
		}
		if *out != "" {
			return printJSON(stdout, map[string]string{"AccessKeyId": rec.AccessKeyId, "File": *out})
		}
		return printJSON(stdout, pair)
	case "list":
		recs, err := accesskeys.List(d.backend)
		if err != nil {
			return fail(stderr, err)
		}
		type item struct{ AccessKeyId, Source, CreationDate string }
		items := []item{}
		for _, r := range recs {
			items = append(items, item{r.AccessKeyId, r.Source, r.CreationDate.Format(time.RFC3339)})
		}
		return printJSON(stdout, map[string]any{"AccessKeys": items})
	case "revoke":
		if fs.NArg() != 1 {
			return fail(stderr, errors.New("usage: pocketkms accesskey revoke [--data DIR] ACCESS_KEY_ID"))
		}
		if err := accesskeys.Revoke(d.backend, fs.Arg(0)); err != nil {
			return fail(stderr, err)
		}
		return printJSON(stdout, map[string]string{"Revoked": fs.Arg(0)})
	}
	return fail(stderr, fmt.Errorf("unknown accesskey command %q (create, list, revoke)", sub))
}
