//go:build !wasm

// Command pocketkms is a portable KMS instance: `pocketkms serve` speaks the
// KMS instance API (dkms-gcs-0.2) so applications using the official KMS
// Instance SDKs work against it unchanged; the other subcommands manage the
// ClientKeys, keys, aliases and rotation in the same data directory. A change
// made by the CLI while a server runs on that directory takes effect at the
// server's next request: the server keeps no key state between requests.
package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

const usage = `pocketkms: a portable KMS instance that the KMS Instance SDKs use unchanged

Usage:
  pocketkms serve     [--data DIR] [--addr HOST:PORT] [--plain-http] [--engine native|wasm]
                      [--seed FILE] [--tls-cert FILE --tls-key FILE | --tls-host NAME,...] [--wasm FILE]
  pocketkms clientkey create [--data DIR] --out FILE.json --password-file FILE
  pocketkms clientkey import [--data DIR] --file clientKey.json --password-file FILE
  pocketkms clientkey list   [--data DIR]
  pocketkms clientkey revoke [--data DIR] ID
  pocketkms accesskey create [--data DIR] [--out FILE.json]   an AccessKey for the classic OpenAPI
  pocketkms accesskey list   [--data DIR]
  pocketkms accesskey revoke [--data DIR] ACCESS_KEY_ID
  pocketkms key ...      key management (create, list, describe, rotate, ...)
  pocketkms alias ...    alias management
  pocketkms rotation ... automatic rotation policy
  pocketkms secret ...   secrets (create, put, get, list, stage, rotate, ...)
  pocketkms store export [--data DIR] --out FILE.json   the store, sealed, for the JS package
  pocketkms store import [--data DIR] --file FILE.json  a sealed store from the JS package
  pocketkms version

The data directory defaults to $POCKETKMS_DATA, else ./pocketkms-data.
The root key that seals key material at rest is DIR/root.key, or the file named
by $POCKETKMS_ROOT_KEY_FILE (keep it apart from the data in backups).
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "clientkey":
		return clientkey(ctx, args[1:], stdout, stderr)
	case "accesskey":
		return accesskey(ctx, args[1:], stdout, stderr)
	case "store":
		return storeCmd(args[1:], stdout, stderr)
	case "key", "alias", "rotation", "secret":
		return runAdmin(ctx, args, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "pocketkms", version)
		fmt.Fprintln(stdout, describeModule())
		return 0
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "pocketkms: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// defaultDataDir is where the data lives unless --data says otherwise.
func defaultDataDir() string {
	if d := os.Getenv("POCKETKMS_DATA"); d != "" {
		return d
	}
	return "pocketkms-data"
}

// splitDataFlag takes --data DIR (or --data=DIR) out of args wherever it is,
// so that subcommands handled by other packages see only their own flags.
func splitDataFlag(args []string) (dir string, rest []string, err error) {
	dir = defaultDataDir()
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			return dir, append(rest, args[i:]...), nil
		case a == "--data" || a == "-data":
			if i+1 >= len(args) {
				return "", nil, fmt.Errorf("--data needs a directory")
			}
			dir = args[i+1]
			i++
		case len(a) > 7 && (a[:7] == "--data=" || a[:6] == "-data="):
			dir = a[len("--data="):]
			if a[1] != '-' {
				dir = a[len("-data="):]
			}
		default:
			rest = append(rest, a)
		}
	}
	return dir, rest, nil
}
