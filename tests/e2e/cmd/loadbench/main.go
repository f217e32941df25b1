// Command loadbench measures `pocketkms serve` under load: it starts the real
// binary (one engine at a time) on a free loopback port with a fresh data
// directory, and drives it over HTTPS with many concurrent keep-alive
// clients sending signed AdvanceEncrypt requests, then prints ops/s and
// p50/p99 latency per engine and plaintext size.
//
//	go run ./e2e/cmd/loadbench                       (from tests/)
//	go run ./e2e/cmd/loadbench -engines native -duration 5s -concurrency 64
//
// Requests are signed before the clock starts (the instance API has no
// nonce, and a signature stays valid for the 15-minute Date window), so the
// CPU the clients would spend on RSA signatures goes to the server instead:
// on a small machine the client and the server share the same cores.
// -sign-each signs every request as an SDK would.
package main

import (
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/tests/e2e/kmstest"
)

func main() {
	engines := flag.String("engines", "native,wasm", "engines to measure, comma-separated")
	sizes := flag.String("sizes", "1024,6144", "plaintext sizes in bytes, comma-separated")
	conc := flag.Int("concurrency", 32, "concurrent clients (keep-alive connections)")
	dur := flag.Duration("duration", 10*time.Second, "measurement time per engine and size")
	warm := flag.Duration("warmup", 2*time.Second, "warm-up time before each measurement")
	signEach := flag.Bool("sign-each", false, "sign every request on the client (as an SDK does) instead of pre-signing")
	flag.Parse()
	if err := run(strings.Split(*engines, ","), *sizes, *conc, *dur, *warm, *signEach); err != nil {
		fmt.Fprintln(os.Stderr, "loadbench:", err)
		os.Exit(1)
	}
}

type result struct {
	engine        string
	size, conc    int
	ops           int
	errors        int
	elapsed       time.Duration
	p50, p99, max time.Duration
}

func run(engines []string, sizeList string, conc int, dur, warm time.Duration, signEach bool) error {
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
	var sizes []int
	for _, s := range strings.Split(sizeList, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n <= 0 {
			return fmt.Errorf("bad size %q", s)
		}
		sizes = append(sizes, n)
	}
	var results []result
	for _, engine := range engines {
		engine = strings.TrimSpace(engine)
		rs, err := benchEngine(bin, tmp, engine, sizes, conc, dur, warm, signEach)
		if err != nil {
			return fmt.Errorf("%s: %v", engine, err)
		}
		results = append(results, rs...)
	}
	fmt.Printf("\nAdvanceEncrypt over HTTPS, %d concurrent keep-alive clients, %v per row, pre-signed=%v\n", conc, dur, !signEach)
	fmt.Printf("machine: %d cores shared by clients and server; 1-min load average before: %s, after: %s\n", numCPU(), loadBefore, loadAverage())
	fmt.Printf("%-7s %8s %10s %10s %10s %10s %7s\n", "engine", "size", "ops/s", "p50", "p99", "max", "errors")
	for _, r := range results {
		fmt.Printf("%-7s %7dB %10.0f %10s %10s %10s %7d\n", r.engine, r.size, float64(r.ops)/r.elapsed.Seconds(),
			round(r.p50), round(r.p99), round(r.max), r.errors)
	}
	return nil
}

func benchEngine(bin, tmp, engine string, sizes []int, conc int, dur, warm time.Duration, signEach bool) ([]result, error) {
	dir := filepath.Join(tmp, engine)
	data := filepath.Join(dir, "data")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	pw := filepath.Join(dir, "pw")
	os.WriteFile(pw, []byte("loadbench-password"), 0o600)
	ck := filepath.Join(dir, "clientKey.json")
	if _, e, code, err := kmstest.CLI(context.Background(), bin, "clientkey", "create", "--data", data, "--out", ck, "--password-file", pw); err != nil || code != 0 {
		return nil, fmt.Errorf("clientkey create: %v %s", err, e)
	}
	seed := filepath.Join(dir, "seed.json")
	os.WriteFile(seed, []byte(`{"Keys":[{"KeySpec":"Aliyun_AES_256","Aliases":["alias/bench"]}]}`), 0o600)
	args := []string{"--engine", engine, "--seed", seed, "--quiet"}
	if w := kmstest.WasmModule(); w != "" {
		args = append(args, "--wasm", w)
	}
	srv, err := kmstest.Start(bin, data, args...)
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	key, err := kmstest.LoadClientKey(ck, "loadbench-password")
	if err != nil {
		return nil, err
	}
	raw, err := kmstest.NewRaw(srv, key)
	if err != nil {
		return nil, err
	}
	raw.HTTP.Transport.(*http.Transport).MaxIdleConnsPerHost = conc
	var out []result
	for _, size := range sizes {
		fmt.Fprintf(os.Stderr, "loadbench: %s engine, %d-byte plaintexts: warm-up %v, measure %v\n", engine, size, warm, dur)
		mk := requestMaker(raw, size, conc, signEach)
		load(raw, mk, conc, warm)
		r := load(raw, mk, conc, dur)
		r.engine, r.size, r.conc = engine, size, conc
		out = append(out, r)
	}
	return out, nil
}

// requestMaker returns, per worker, a function giving the next request.
func requestMaker(raw *kmstest.Raw, size, conc int, signEach bool) func(worker, i int) *http.Request {
	body := func() []byte {
		p := make([]byte, size)
		rand.Read(p)
		b, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/bench", Plaintext: p})
		return b
	}
	if signEach {
		return func(int, int) *http.Request { return raw.Request("AdvanceEncrypt", body(), nil, nil) }
	}
	const perWorker = 16
	type pre struct {
		hdr  http.Header
		body []byte
	}
	pool := make([][]pre, conc)
	for w := range pool {
		for i := 0; i < perWorker; i++ {
			r := raw.Request("AdvanceEncrypt", body(), nil, nil)
			b, _ := io.ReadAll(r.Body)
			pool[w] = append(pool[w], pre{r.Header, b})
		}
	}
	return func(w, i int) *http.Request {
		p := pool[w][i%perWorker]
		req, _ := http.NewRequest("POST", raw.URL, strings.NewReader(string(p.body)))
		req.Header = p.hdr.Clone()
		return req
	}
}

func load(raw *kmstest.Raw, next func(worker, i int) *http.Request, conc int, dur time.Duration) result {
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
				req := next(w, i)
				t := time.Now()
				resp, err := raw.HTTP.Do(req)
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
				lat[w] = append(lat[w], time.Since(t))
			}
		}(w)
	}
	time.Sleep(dur)
	stop.Store(true)
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	r := result{elapsed: elapsed}
	for w := range lat {
		all = append(all, lat[w]...)
		r.errors += errs[w]
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	r.ops = len(all)
	if len(all) > 0 {
		r.p50 = all[len(all)/2]
		r.p99 = all[len(all)*99/100]
		r.max = all[len(all)-1]
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
