//go:build !js && !wasip1

// Command d1seed applies a pocketkms seed file (docs/seed.md) to the
// Worker's D1 database: `npm run worker:seed -- FILE [--remote]`.
//
// It runs here, not in the Worker, so that the deployed Worker has no
// management endpoint at all and plaintext key material never travels to
// Cloudflare: the seed is applied by internal/seed (the code `pocketkms serve
// --seed` runs) to a snapshot of the D1 records, sealed with the root key
// on this machine, and only the resulting sealed records go to D1, as one
// atomic `wrangler d1 execute --file` guarded against concurrent changes
// (see snapshot). Running it twice changes nothing the second time.
//
// The root key must be the one the Worker has: locally the one in
// host/worker/.dev.vars (the default); for --remote give it explicitly
// with POCKETKMS_ROOT_KEY or --root-key-file, the key you stored with
// `wrangler secret put POCKETKMS_ROOT_KEY`. A key that does not open the
// keys already in the database is refused.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/internal/clientkeys"
	"github.com/pocketkms/pocketkms/internal/seed"
	"github.com/pocketkms/pocketkms/internal/sqlstore"
)

const usage = `usage: npm run worker:seed -- [flags] FILE

Applies the seed file FILE to the Worker's D1 database (binding DB): the
local one that "npm run worker:dev" uses, or with --remote the deployed one.

flags:
  --remote              the deployed database (needs wrangler login) instead of the local one
  --persist-to DIR      local state directory, as given to worker:dev (default host/worker/.wrangler/state)
  --root-key-file FILE  the root key: base64 of 32 bytes, or a POCKETKMS_ROOT_KEY=... line
                        (default: $POCKETKMS_ROOT_KEY, else host/worker/.dev.vars when local)
  --config FILE         wrangler config (default host/worker/wrangler.toml)
`

// maxAttempts bounds re-planning after the database changed under a seed.
const maxAttempts = 5

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "worker:seed:", err)
		os.Exit(1)
	}
}

type options struct {
	remote      bool
	persistTo   string
	rootKeyFile string
	config      string
	file        string
}

func parseFlags(args []string) (options, error) {
	var o options
	fs := flag.NewFlagSet("worker:seed", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&o.remote, "remote", false, "")
	fs.StringVar(&o.persistTo, "persist-to", "", "")
	fs.StringVar(&o.rootKeyFile, "root-key-file", "", "")
	fs.StringVar(&o.config, "config", "host/worker/wrangler.toml", "")
	// Flags may come before or after FILE.
	var rest []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return o, fmt.Errorf("%v\n\n%s", err, usage)
		}
		if fs.NArg() == 0 {
			break
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
	if len(rest) != 1 {
		return o, fmt.Errorf("want exactly one seed FILE\n\n%s", usage)
	}
	if o.remote && o.persistTo != "" {
		return o, errors.New("--persist-to is for the local database; it cannot go with --remote")
	}
	o.file = rest[0]
	return o, nil
}

func run(ctx context.Context, args []string, stdout io.Writer) error {
	o, err := parseFlags(args)
	if err != nil {
		return err
	}
	f, err := seed.Load(o.file)
	if err != nil {
		return err
	}
	rootKey, err := loadRootKey(o)
	if err != nil {
		return err
	}
	w := wrangler{opts: o}
	for attempt := 1; ; attempt++ {
		snap, err := w.snapshot(ctx)
		if err != nil {
			return err
		}
		sealed, err := store.Sealed(snap, rootKey)
		if err != nil {
			return err
		}
		if err := checkRootKey(snap, sealed); err != nil {
			return err
		}
		sum, err := seed.Apply(ctx, sealed, f, clientKeyRecord)
		if err != nil {
			return err
		}
		if snap.plan == nil {
			fmt.Fprintf(stdout, "seed %s: %s (%s D1 unchanged)\n", o.file, sum, w.where())
			return nil
		}
		sqlText, err := renderSQL(snap.plan)
		if err != nil {
			return err
		}
		err = w.execute(ctx, sqlText)
		if errors.Is(err, store.ErrConflict) && attempt < maxAttempts {
			fmt.Fprintf(stdout, "seed %s: the database changed while planning; planning again\n", o.file)
			continue
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "seed %s: %s (%s D1)\n", o.file, sum, w.where())
		for _, n := range sum.Notes {
			fmt.Fprintf(stdout, "  note: %s\n", n)
		}
		return nil
	}
}

// clientKeyRecord registers a seed ClientKeys entry the way `pocketkms
// serve --seed` does: only the public key reaches the store.
func clientKeyRecord(e seed.ClientKeyEntry) (string, []byte, error) {
	if e.Certificate != "" {
		return clientkeys.RecordFromCertificate(e.KeyId, e.Certificate)
	}
	return clientkeys.RecordFromClientKey([]byte(e.ClientKeyContent), e.Password)
}

// checkRootKey opens one sealed record already in the database, so that a
// wrong key is refused before it seals new records nobody could open.
func checkRootKey(snap *snapshot, sealed store.Backend) error {
	keys, _ := snap.List(store.KeyPrefix)
	if len(keys) == 0 {
		return nil
	}
	if _, _, err := sealed.Get(keys[0]); err != nil {
		return fmt.Errorf("the root key does not open %s already in the database (%v): use the key the Worker has", keys[0], err)
	}
	return nil
}

// loadRootKey finds the root key: --root-key-file, then $POCKETKMS_ROOT_KEY,
// then (local only) the .dev.vars beside the wrangler config.
func loadRootKey(o options) ([]byte, error) {
	var text, from string
	switch {
	case o.rootKeyFile != "":
		b, err := os.ReadFile(o.rootKeyFile)
		if err != nil {
			return nil, err
		}
		text, from = string(b), o.rootKeyFile
	case os.Getenv("POCKETKMS_ROOT_KEY") != "":
		text, from = os.Getenv("POCKETKMS_ROOT_KEY"), "$POCKETKMS_ROOT_KEY"
	case o.remote:
		return nil, errors.New("--remote needs the deployed Worker's root key: set POCKETKMS_ROOT_KEY or give --root-key-file")
	default:
		from = filepath.Join(filepath.Dir(o.config), ".dev.vars")
		b, err := os.ReadFile(from)
		if err != nil {
			return nil, fmt.Errorf("no root key: %v (npm run worker:build makes it)", err)
		}
		text = string(b)
	}
	return parseRootKey(text, from)
}

// parseRootKey takes bare base64 or a dotenv file with a
// POCKETKMS_ROOT_KEY= line. Errors never echo the text.
func parseRootKey(text, from string) ([]byte, error) {
	val := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if k, v, ok := strings.Cut(line, "="); ok && strings.TrimSpace(k) == "POCKETKMS_ROOT_KEY" {
			val = strings.Trim(strings.TrimSpace(v), `"'`)
		}
	}
	if val == "" {
		val = strings.TrimSpace(text)
	}
	k, err := base64.StdEncoding.DecodeString(val)
	if err != nil || len(k) != 32 {
		return nil, fmt.Errorf("root key from %s is not standard base64 of 32 bytes", from)
	}
	return k, nil
}

// wrangler runs `wrangler d1 execute` on the DB binding.
type wrangler struct{ opts options }

func (w wrangler) where() string {
	if w.opts.remote {
		return "remote"
	}
	return "local"
}

func (w wrangler) args(extra ...string) []string {
	a := []string{"d1", "execute", "DB", "-c", w.opts.config}
	if w.opts.remote {
		a = append(a, "--remote", "--yes")
	} else {
		a = append(a, "--local")
		if w.opts.persistTo != "" {
			a = append(a, "--persist-to", w.opts.persistTo)
		}
	}
	return append(a, extra...)
}

// command is the wrangler to run: $POCKETKMS_WRANGLER (seed.sh points it
// at the repository's node_modules), else `npx wrangler`.
func command(ctx context.Context, args []string) *exec.Cmd {
	if p := os.Getenv("POCKETKMS_WRANGLER"); p != "" {
		return exec.CommandContext(ctx, p, args...)
	}
	return exec.CommandContext(ctx, "npx", append([]string{"wrangler"}, args...)...)
}

func (w wrangler) run(ctx context.Context, args []string) ([]byte, error) {
	cmd := command(ctx, args)
	cmd.Env = append(os.Environ(), "WRANGLER_SEND_METRICS=false")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(errb.String() + "\n" + out.String())
		if strings.Contains(msg, sqlstore.ConflictConstraint) {
			return nil, store.ErrConflict
		}
		return nil, fmt.Errorf("wrangler %s: %v\n%s", strings.Join(args[:4], " "), err, msg)
	}
	return out.Bytes(), nil
}

// snapshot reads the whole records table. Values come as hex so that the
// sealed bytes survive JSON exactly.
func (w wrangler) snapshot(ctx context.Context) (*snapshot, error) {
	out, err := w.run(ctx, w.args("--json", "--command", "SELECT hex(key) AS k, hex(value) AS v, rev FROM records"))
	if err != nil {
		if strings.Contains(err.Error(), "no such table") {
			return nil, fmt.Errorf("the %s D1 database has no pocketkms schema: run `npx wrangler d1 migrations apply DB -c %s %s` first", w.where(), w.opts.config, map[bool]string{true: "--remote", false: "--local"}[w.opts.remote])
		}
		return nil, err
	}
	var res []struct {
		Results []struct {
			K   string `json:"k"`
			V   string `json:"v"`
			Rev int64  `json:"rev"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &res); err != nil || len(res) != 1 {
		return nil, fmt.Errorf("unexpected output from wrangler d1 execute --json: %.200q", out)
	}
	s := &snapshot{records: map[string]record{}}
	for _, r := range res[0].Results {
		k, err1 := hex.DecodeString(r.K)
		v, err2 := hex.DecodeString(r.V)
		if err1 != nil || err2 != nil || r.Rev <= 0 {
			return nil, fmt.Errorf("unexpected row in the records table (rev %d)", r.Rev)
		}
		s.records[string(k)] = record{value: v, rev: r.Rev}
	}
	return s, nil
}

// execute uploads the plan from a private temporary file.
func (w wrangler) execute(ctx context.Context, sqlText string) error {
	fh, err := os.CreateTemp("", "pocketkms-seed-*.sql") // mode 0600
	if err != nil {
		return err
	}
	defer os.Remove(fh.Name())
	if _, err := fh.WriteString(sqlText); err != nil {
		fh.Close()
		return err
	}
	if err := fh.Close(); err != nil {
		return err
	}
	_, err = w.run(ctx, w.args("--file", fh.Name()))
	return err
}
