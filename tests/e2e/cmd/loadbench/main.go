// Command loadbench measures `pocketkms serve` under load against what the
// same requests cost at the very least: it starts the real binary (one
// engine at a time) on a free loopback port with a fresh data directory,
// and a bare baseline handler (baseline.go) in a process of its own with the
// same certificate, and drives both over HTTPS with many concurrent
// keep-alive clients sending signed AdvanceEncrypt requests, in alternating
// rounds, so that both see the same machine. It prints ops/s and p50/p99
// latency per target, engine and plaintext size, and pocketkms's ratio to
// the baseline.
//
//	go run ./e2e/cmd/loadbench                       (from tests/)
//	go run ./e2e/cmd/loadbench -engines native -duration 8s -concurrency 64
//	go run ./e2e/cmd/loadbench -engines native -sizes 1024 -localkms auto
//	go run ./e2e/cmd/loadbench -engines native -profile /tmp/prof
//
// -localkms also measures `pocketkms serve --plain-http` against local-kms
// (the AWS KMS emulator) on plain HTTP, its Encrypt, in the same way.
// -profile writes `serve --cpuprofile` files for `go tool pprof`.
//
// Requests are signed before the clock starts (the instance API has no
// nonce, and a signature stays valid for the 15-minute Date window), so the
// CPU the clients would spend on RSA signatures goes to the servers instead:
// on a small machine the clients and the servers share the same cores.
// -sign-each signs every request as an SDK would.
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/tlsca"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

const password = "loadbench-password"

type options struct {
	engines  []string
	sizes    []int
	conc     int
	dur      time.Duration
	warm     time.Duration
	rounds   int
	signEach bool
	localKMS string
	profile  string
}

func main() {
	var o options
	engines := flag.String("engines", "native,wasm", "engines to measure, comma-separated")
	sizes := flag.String("sizes", "1024,6144", "plaintext sizes in bytes, comma-separated")
	flag.IntVar(&o.conc, "concurrency", 64, "concurrent clients (keep-alive connections) per target")
	flag.DurationVar(&o.dur, "duration", 8*time.Second, "measurement time per target, engine and size (split into rounds)")
	flag.DurationVar(&o.warm, "warmup", 2*time.Second, "warm-up time per target before each measurement")
	flag.IntVar(&o.rounds, "rounds", 4, "alternating rounds the measurement time is split into")
	flag.BoolVar(&o.signEach, "sign-each", false, "sign every request on the client (as an SDK does) instead of pre-signing")
	flag.StringVar(&o.localKMS, "localkms", "", `also compare pocketkms --plain-http with local-kms: "auto" (PATH, then GOPATH/bin) or its path`)
	flag.StringVar(&o.profile, "profile", "", "directory for CPU profiles of the pocketkms servers (serve --cpuprofile)")
	baseline := flag.Bool("baseline-server", false, "internal: serve the baseline handler")
	cert := flag.String("cert", "", "internal: baseline TLS certificate")
	key := flag.String("key", "", "internal: baseline TLS key")
	ck := flag.String("clientkey", "", "internal: baseline ClientKey file")
	baseProfile := flag.String("baseline-profile", "", "internal: baseline CPU profile file")
	flag.Parse()
	if *baseline {
		if *baseProfile != "" {
			stop, err := startProfile(*baseProfile)
			if err != nil {
				fmt.Fprintln(os.Stderr, "loadbench baseline:", err)
				os.Exit(1)
			}
			defer stop()
		}
		if err := serveBaseline(*cert, *key, *ck, password); err != nil {
			fmt.Fprintln(os.Stderr, "loadbench baseline:", err)
			os.Exit(1)
		}
		return
	}
	for _, e := range strings.Split(*engines, ",") {
		if e = strings.TrimSpace(e); e != "" {
			o.engines = append(o.engines, e)
		}
	}
	for _, s := range strings.Split(*sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "loadbench: bad size %q\n", s)
			os.Exit(2)
		}
		o.sizes = append(o.sizes, n)
	}
	if o.rounds < 1 {
		o.rounds = 1
	}
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

type result struct {
	target, engine string
	size           int
	lat            []time.Duration
	errors         int
	elapsed        time.Duration
	cpu            time.Duration // the server process's CPU time while measured; 0 unknown
	peakRSS        int64         // the server process's peak resident memory so far, bytes; 0 unknown
}

// cpuPerOp is the server's CPU time per answered request: the figure other
// jobs on the machine disturb least.
func (r *result) cpuPerOp() time.Duration {
	if r.cpu == 0 || len(r.lat) == 0 {
		return 0
	}
	return r.cpu / time.Duration(len(r.lat))
}

func (r *result) opsPerSec() float64 { return float64(len(r.lat)) / r.elapsed.Seconds() }

func (r *result) pct(p int) time.Duration {
	if len(r.lat) == 0 {
		return 0
	}
	return r.lat[min(len(r.lat)-1, len(r.lat)*p/100)]
}

// comparison is one measurement: pocketkms and its reference, same rounds.
type comparison struct {
	title   string
	subject result
	ref     result
}

func run(o options) error {
	loadBefore := loadAverage()
	tmp, err := os.MkdirTemp("", "pocketkms-loadbench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := kmstest.Binary(tmp)
	if err != nil {
		return err
	}
	var out []comparison
	for _, engine := range o.engines {
		cs, err := benchEngine(o, bin, tmp, engine)
		if err != nil {
			return fmt.Errorf("%s: %v", engine, err)
		}
		out = append(out, cs...)
	}
	if o.localKMS != "" {
		cs, err := benchLocalKMS(o, bin, tmp)
		if err != nil {
			return fmt.Errorf("local-kms: %v", err)
		}
		out = append(out, cs...)
	}
	fmt.Printf("\nAdvanceEncrypt, %d concurrent keep-alive clients per target, %v per target and row in %d alternating rounds, pre-signed=%v\n",
		o.conc, o.dur, o.rounds, !o.signEach)
	fmt.Printf("machine: %d cores shared by clients and servers; 1-min load average before: %s, after: %s\n", numCPU(), loadBefore, loadAverage())
	fmt.Printf("%-28s %-7s %7s %10s %10s %10s %10s %7s %12s %9s\n", "target", "engine", "size", "ops/s", "p50", "p99", "max", "errors", "server CPU/op", "peak RSS")
	row := func(r result) {
		fmt.Printf("%-28s %-7s %6dB %10.0f %10s %10s %10s %7d %12s %7dMB\n", r.target, r.engine, r.size, r.opsPerSec(),
			round(r.pct(50)), round(r.pct(99)), round(r.pct(100)), r.errors, round(r.cpuPerOp()), r.peakRSS>>20)
	}
	for _, c := range out {
		row(c.ref)
		row(c.subject)
	}
	fmt.Printf("\n%-40s %7s %12s %12s %16s\n", "ratio (pocketkms / reference)", "size", "ops/s", "p99", "CPU/op (ref/pk)")
	for _, c := range out {
		cpu := "-"
		if c.subject.cpuPerOp() > 0 && c.ref.cpuPerOp() > 0 {
			cpu = fmt.Sprintf("%.2f", float64(c.ref.cpuPerOp())/float64(c.subject.cpuPerOp()))
		}
		fmt.Printf("%-40s %6dB %12.2f %12.2f %16s\n", c.title, c.subject.size,
			c.subject.opsPerSec()/c.ref.opsPerSec(), float64(c.subject.pct(99))/float64(c.ref.pct(99)), cpu)
	}
	fmt.Println("CPU/op (ref/pk): the reference server's CPU time per request over pocketkms's (1.0: pocketkms costs what the reference costs; clients excluded)")
	return nil
}

// dataDir makes a data directory with one ClientKey and returns the
// directory, its ClientKey file and a seed file with alias/bench.
func dataDir(bin, tmp, name string) (data, ck, seed string, err error) {
	dir := filepath.Join(tmp, name)
	data = filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", "", "", err
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte(password), 0o600)
	ck = filepath.Join(dir, "clientKey.json")
	if _, e, code, err := kmstest.CLI(context.Background(), bin, "clientkey", "create", "--data", data, "--out", ck, "--password-file", pw); err != nil || code != 0 {
		return "", "", "", fmt.Errorf("clientkey create: %v %s", err, e)
	}
	seed = filepath.Join(dir, "seed.json")
	err = os.WriteFile(seed, []byte(`{"Keys":[{"KeySpec":"Aliyun_AES_256","Aliases":["alias/bench"]}]}`), 0o600)
	return data, ck, seed, err
}

func startPocketKMS(o options, bin, data, seed, name string, extra ...string) (*kmstest.Server, error) {
	args := append([]string{"--seed", seed, "--quiet"}, extra...)
	if w := kmstest.WasmModule(); w != "" {
		args = append(args, "--wasm", w)
	}
	if o.profile != "" {
		os.MkdirAll(o.profile, 0o700)
		p, _ := filepath.Abs(filepath.Join(o.profile, name+".pprof"))
		args = append(args, "--cpuprofile", p)
		fmt.Fprintf(os.Stderr, "loadbench: profile of %s: go tool pprof -top %s\n", name, p)
	}
	return kmstest.Start(bin, data, args...)
}

func benchEngine(o options, bin, tmp, engine string) ([]comparison, error) {
	data, ck, seed, err := dataDir(bin, tmp, engine)
	if err != nil {
		return nil, err
	}
	srv, err := startPocketKMS(o, bin, data, seed, engine, "--engine", engine)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	key, err := kmstest.LoadClientKey(ck, password)
	if err != nil {
		return nil, err
	}
	files := tlsca.In(data)
	var baseProf string
	if o.profile != "" {
		baseProf, _ = filepath.Abs(filepath.Join(o.profile, "baseline-"+engine+".pprof"))
		fmt.Fprintf(os.Stderr, "loadbench: profile of the baseline: go tool pprof -top %s\n", baseProf)
	}
	base, err := startBaseline(files.Cert, files.Key, ck, baseProf)
	if err != nil {
		return nil, err
	}
	defer stopBaseline(base)
	subject, err := kmstest.NewRaw(srv, key)
	if err != nil {
		return nil, err
	}
	ref, err := kmstest.NewRawURL("https://"+baseAddr(base)+"/", srv.CA, key)
	if err != nil {
		return nil, err
	}
	var out []comparison
	for _, size := range o.sizes {
		fmt.Fprintf(os.Stderr, "loadbench: %s engine and baseline, %d-byte plaintexts\n", engine, size)
		pool := presign(subject, size, o.conc, o.signEach)
		s, r := measure(o, target{"pocketkms " + engine, subject.HTTP, pool.forURL(subject), srv.Pid()},
			target{"baseline (TLS+sig+pb+GCM)", ref.HTTP, pool.forURL(ref), base.Process.Pid})
		s.engine, s.size, r.engine, r.size = engine, size, engine, size
		out = append(out, comparison{"pocketkms " + engine + " / baseline", s, r})
	}
	return out, nil
}

func benchLocalKMS(o options, bin, tmp string) ([]comparison, error) {
	lbin, err := findLocalKMS(o.localKMS)
	if err != nil {
		return nil, err
	}
	data, ck, seed, err := dataDir(bin, tmp, "plain")
	if err != nil {
		return nil, err
	}
	srv, err := startPocketKMS(o, bin, data, seed, "plain-http", "--plain-http")
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	key, err := kmstest.LoadClientKey(ck, password)
	if err != nil {
		return nil, err
	}
	subject, err := kmstest.NewRaw(srv, key)
	if err != nil {
		return nil, err
	}
	lk, err := startLocalKMS(lbin, filepath.Join(tmp, "plain"))
	if err != nil {
		return nil, err
	}
	defer lk.stop()
	lclient, _ := kmstest.NewRawURL(lk.url, "", nil)
	var out []comparison
	for _, size := range o.sizes {
		if size > localKMSMaxPlaintext {
			fmt.Fprintf(os.Stderr, "loadbench: local-kms: %d-byte plaintexts skipped (its Encrypt, like AWS KMS, takes at most %d)\n", size, localKMSMaxPlaintext)
			continue
		}
		fmt.Fprintf(os.Stderr, "loadbench: pocketkms --plain-http and local-kms, %d-byte plaintexts\n", size)
		pool := presign(subject, size, o.conc, o.signEach)
		bodies := make([][]byte, 16)
		for i := range bodies {
			p := make([]byte, size)
			rand.Read(p)
			bodies[i] = lk.encryptBody(p)
		}
		lnext := func(w, i int) *http.Request { return lk.request("Encrypt", bodies[(w+i)%len(bodies)]) }
		s, r := measure(o, target{"pocketkms native, plain HTTP", subject.HTTP, pool.forURL(subject), srv.Pid()},
			target{"local-kms Encrypt", lclient.HTTP, lnext, lk.cmd.Process.Pid})
		s.engine, s.size, r.engine, r.size = "native", size, "-", size
		out = append(out, comparison{"pocketkms --plain-http / local-kms", s, r})
	}
	return out, nil
}

func startBaseline(cert, key, ck, profile string) (*exec.Cmd, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "-baseline-server", "-cert", cert, "-key", key, "-clientkey", ck, "-baseline-profile", profile)
	cmd.Stderr = os.Stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	addr, ok := strings.CutPrefix(strings.TrimSpace(line), "listening ")
	if err != nil || !ok {
		cmd.Process.Kill()
		return nil, fmt.Errorf("baseline server: %q %v", line, err)
	}
	baseAddrs.Store(cmd, addr)
	go io.Copy(io.Discard, stdout)
	return cmd, nil
}

// stopBaseline ends the baseline with SIGTERM, so that it writes its profile.
func stopBaseline(cmd *exec.Cmd) {
	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
	}
}

var baseAddrs sync.Map

func baseAddr(cmd *exec.Cmd) string { v, _ := baseAddrs.Load(cmd); return v.(string) }

type target struct {
	name   string
	client *http.Client
	next   func(worker, i int) *http.Request
	pid    int // the server process, for its CPU time
}

// measure warms both targets up, then alternates between them for
// o.rounds rounds, starting with the other one every round.
func measure(o options, subject, ref target) (result, result) {
	for _, t := range []target{subject, ref} {
		t.client.Transport.(*http.Transport).MaxIdleConnsPerHost = o.conc
		load(t, o.conc, o.warm)
	}
	s, r := result{target: subject.name}, result{target: ref.name}
	slice := o.dur / time.Duration(o.rounds)
	for i := range o.rounds {
		order := []*result{&s, &r}
		ts := []target{subject, ref}
		if i%2 == 1 {
			order[0], order[1], ts[0], ts[1] = order[1], order[0], ts[1], ts[0]
		}
		for j := range ts {
			cpu0 := processCPU(ts[j].pid)
			got := load(ts[j], o.conc, slice)
			cpu := processCPU(ts[j].pid) - cpu0
			order[j].lat = append(order[j].lat, got.lat...)
			order[j].errors += got.errors
			order[j].elapsed += got.elapsed
			order[j].cpu += cpu
		}
	}
	s.peakRSS, r.peakRSS = peakRSS(subject.pid), peakRSS(ref.pid)
	sort.Slice(s.lat, func(i, j int) bool { return s.lat[i] < s.lat[j] })
	sort.Slice(r.lat, func(i, j int) bool { return r.lat[i] < r.lat[j] })
	return s, r
}

// presigned is, per worker, signed requests to send in turn.
type presigned struct {
	sign func() *http.Request // non-nil with -sign-each
	pool [][]pre
}

type pre struct {
	hdr  http.Header
	body []byte
}

func presign(raw *kmstest.Raw, size, conc int, signEach bool) *presigned {
	body := func() []byte {
		p := make([]byte, size)
		rand.Read(p)
		b, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/bench", Plaintext: p})
		return b
	}
	if signEach {
		return &presigned{sign: func() *http.Request { return raw.Request("AdvanceEncrypt", body(), nil, nil) }}
	}
	const perWorker = 16
	p := &presigned{pool: make([][]pre, conc)}
	for w := range p.pool {
		for range perWorker {
			r := raw.Request("AdvanceEncrypt", body(), nil, nil)
			b, _ := io.ReadAll(r.Body)
			p.pool[w] = append(p.pool[w], pre{r.Header, b})
		}
	}
	return p
}

func (p *presigned) forURL(raw *kmstest.Raw) func(worker, i int) *http.Request {
	if p.sign != nil {
		return func(int, int) *http.Request {
			r := p.sign()
			req, _ := http.NewRequest("POST", raw.URL, r.Body)
			req.Header = r.Header
			return req
		}
	}
	return func(w, i int) *http.Request {
		e := p.pool[w][i%len(p.pool[w])]
		req, _ := http.NewRequest("POST", raw.URL, strings.NewReader(string(e.body)))
		req.Header = e.hdr.Clone()
		return req
	}
}

func load(t target, conc int, dur time.Duration) result {
	var wg sync.WaitGroup
	var stop atomic.Bool
	lat := make([][]time.Duration, conc)
	errs := make([]int, conc)
	start := time.Now()
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; !stop.Load(); i++ {
				req := t.next(w, i)
				begin := time.Now()
				resp, err := t.client.Do(req)
				if err != nil {
					errs[w]++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					errs[w]++
					continue
				}
				lat[w] = append(lat[w], time.Since(begin))
			}
		}(w)
	}
	time.Sleep(dur)
	stop.Store(true)
	wg.Wait()
	r := result{target: t.name, elapsed: time.Since(start)}
	for w := range lat {
		r.lat = append(r.lat, lat[w]...)
		r.errors += errs[w]
	}
	return r
}

func round(d time.Duration) string {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond).String()
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond).String()
	}
	return d.Round(time.Microsecond).String()
}
