// Command bench prints AdvanceEncrypt throughput side by side for the native
// core, the WebAssembly module under wazero and the same module under Node
// (through the JS package), and the wasm/native ratios. Run from the tests
// module, after `bash wasm/build.sh` and `npm ci`:
//
//	cd tests && go run ./bench [-seconds 0.5] [-rounds 5] [-node=false]
//
// Every runtime answers the same protobuf request bytes (the instance API's
// form) with a fixed AES-256 key, the default algorithm AES_GCM and a fresh
// random Iv per call, one call at a time: a single-core figure, not a
// server's. Node runs tests/bench/node.mjs as a child, which also times
// kms.call (the JSON form with Uint8Array, what scripts use).
//
// Measurements are interleaved: each round measures every runtime and size
// once, for -seconds each; the tables show the best round. On a shared
// machine other processes only ever slow a run down, so the best of several
// interleaved rounds is the figure least distorted by them. A second table
// divides by the CPU time the measuring process used instead of wall time,
// which other processes disturb far less (it includes the process's own GC
// and compiler threads, so it is no flattering figure either).
package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"syscall"
	"time"

	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/host/wasmhost"
	"github.com/pocketkms/pocketkms/internal/wasmtest"
)

var sizes = []int{32, 1024, 6144}

const keyID = "key-benchaes2560000000000"

func main() {
	seconds := flag.Float64("seconds", 0.5, "how long each measurement runs")
	rounds := flag.Int("rounds", 5, "interleaved rounds; the best of each is shown")
	withNode := flag.Bool("node", true, "also measure the module under Node (tests/bench/node.mjs)")
	flag.Parse()
	root, err := wasmtest.RepoRoot()
	if err != nil {
		log.Fatal(err)
	}
	wasmPath := filepath.Join(root, "build", "pocketkms.wasm")
	wasm, err := os.ReadFile(wasmPath)
	if err != nil {
		log.Fatalf("%v: build the module first with: bash wasm/build.sh", err)
	}
	dur := time.Duration(*seconds * float64(time.Second))
	ctx := context.Background()

	material := sha256.Sum256([]byte("pocketkms bench key"))
	importJSON := []byte(`{"KeyId":"` + keyID + `","KeySpec":"Aliyun_AES_256","Versions":[{"KeyMaterial":"` +
		base64.StdEncoding.EncodeToString(material[:]) + `"}]}`)
	reqs := map[int][]byte{}
	for _, n := range sizes {
		reqs[n], err = pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: keyID, Plaintext: bytes.Repeat([]byte{'p'}, n)})
		if err != nil {
			log.Fatal(err)
		}
	}

	native := server.Native(kms.New(store.NewMemory(), kms.NewConfig()))
	w, err := wasmhost.New(ctx, wasm, store.NewMemory(), wasmhost.NewConfig().WithPoolSize(1))
	if err != nil {
		log.Fatal(err)
	}
	defer w.Close(ctx)

	runners := map[string]func(n int) rate{}
	for _, r := range []struct {
		name string
		e    server.Caller
	}{{"native", native}, {"wazero", w}} {
		if _, err := r.e.CallJSON(ctx, "ImportKey", importJSON); err != nil {
			log.Fatalf("%s ImportKey: %v", r.name, err)
		}
		runners[r.name] = func(n int) rate {
			return measure(dur, func() error {
				_, err := r.e.CallProto(ctx, "AdvanceEncrypt", reqs[n])
				return err
			})
		}
	}
	cols := []string{"native", "wazero"}
	if *withNode {
		nd, err := startNode(root, wasmPath, importJSON, reqs)
		if err != nil {
			log.Fatalf("node: %v (run with -node=false to skip)", err)
		}
		defer nd.stop()
		for _, mode := range []string{"node", "node-call"} {
			runners[mode] = func(n int) rate { return nd.measure(mode, n, *seconds) }
		}
		cols = append(cols, "node", "node-call")
	}
	best := map[string]map[int]rate{}
	for _, c := range cols {
		best[c] = map[int]rate{}
	}
	for round := 0; round < *rounds; round++ {
		for _, n := range sizes {
			for _, c := range cols {
				v, b := runners[c](n), best[c][n]
				best[c][n] = rate{max(v.wall, b.wall), max(v.cpu, b.cpu)}
			}
		}
		fmt.Fprintf(os.Stderr, "round %d/%d done\n", round+1, *rounds)
	}

	fmt.Printf("AdvanceEncrypt, AES-256 key, AES_GCM, random Iv, one call at a time; best of %d interleaved rounds of %s\n", *rounds, dur)
	fmt.Printf("%s, %s/%s, %d cores; module %.1f MB; node: tests/bench/node.mjs\n", runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), float64(len(wasm))/1e6)
	table("calls per second (wall clock)", cols, best, func(r rate) float64 { return r.wall }, *withNode)
	table("calls per CPU-second of the process (less sensitive to other load)", cols, best, func(r rate) float64 { return r.cpu }, *withNode)
	fmt.Println("native, wazero, node: the protobuf form (CallProto / kms.callProto); node-call: kms.call, the JSON form with Uint8Array.")
}

// rate is one measurement: calls per wall-clock second and per second of
// CPU time used by the whole process (GC and compiler threads included).
type rate struct{ wall, cpu float64 }

func table(title string, cols []string, res map[string]map[int]rate, f func(rate) float64, withNode bool) {
	fmt.Printf("\n%s\n%-9s", title, "size")
	for _, c := range cols {
		fmt.Printf(" %12s", c)
	}
	fmt.Printf(" %14s", "wazero/native")
	if withNode {
		fmt.Printf(" %12s", "node/native")
	}
	fmt.Println()
	for _, n := range sizes {
		fmt.Printf("%-9s", label(n))
		for _, c := range cols {
			fmt.Printf(" %12.0f", f(res[c][n]))
		}
		fmt.Printf(" %14s", ratio(f(res["wazero"][n]), f(res["native"][n])))
		if withNode {
			fmt.Printf(" %12s", ratio(f(res["node"][n]), f(res["native"][n])))
		}
		fmt.Println()
	}
}

// cpuTime is the CPU time this process has used, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		log.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// measure runs fn after a warm-up for about d and returns its rates.
func measure(d time.Duration, fn func() error) rate {
	for i := 0; i < 50; i++ {
		if err := fn(); err != nil {
			log.Fatal(err)
		}
	}
	n := 0
	start, cpu0 := time.Now(), cpuTime()
	for time.Since(start) < d {
		for i := 0; i < 16; i++ {
			if err := fn(); err != nil {
				log.Fatal(err)
			}
		}
		n += 16
	}
	return rate{float64(n) / time.Since(start).Seconds(), float64(n) / (cpuTime() - cpu0).Seconds()}
}

func ratio(wasm, native float64) string {
	if native == 0 {
		return "-"
	}
	return fmt.Sprintf("1/%.0f", native/wasm)
}

func label(n int) string {
	if n >= 1024 {
		return fmt.Sprintf("%d KiB", n/1024)
	}
	return fmt.Sprintf("%d B", n)
}

// nodeBench is tests/bench/node.mjs running as a child process.
type nodeBench struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startNode(root, wasmPath string, importJSON []byte, reqs map[int][]byte) (*nodeBench, error) {
	setup := map[string]any{"wasm": wasmPath, "import": json.RawMessage(importJSON)}
	rs := map[string][]byte{}
	for n, r := range reqs {
		rs[fmt.Sprint(n)] = r
	}
	setup["requests"] = rs
	cmd := exec.Command("node", filepath.Join(root, "tests", "bench", "node.mjs"))
	cmd.Dir = root
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	nd := &nodeBench{cmd: cmd, in: in, out: bufio.NewScanner(out)}
	if err := nd.send(setup); err != nil {
		nd.stop()
		return nil, err
	}
	if _, err := nd.reply(); err != nil { // {"ready":true} after warm-up
		nd.stop()
		return nil, err
	}
	return nd, nil
}

func (nd *nodeBench) send(v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return err
	}
	_, err = nd.in.Write(append(raw, '\n'))
	return err
}

func (nd *nodeBench) reply() (map[string]float64, error) {
	if !nd.out.Scan() {
		return nil, fmt.Errorf("node.mjs exited: %v", nd.out.Err())
	}
	var m map[string]any
	if err := json.Unmarshal(nd.out.Bytes(), &m); err != nil {
		return nil, fmt.Errorf("node.mjs printed %q: %v", nd.out.Bytes(), err)
	}
	out := map[string]float64{}
	for k, v := range m {
		if f, ok := v.(float64); ok {
			out[k] = f
		}
	}
	return out, nil
}

func (nd *nodeBench) measure(mode string, size int, seconds float64) rate {
	if err := nd.send(map[string]any{"mode": mode, "size": size, "seconds": seconds}); err != nil {
		log.Fatal(err)
	}
	r, err := nd.reply()
	if err != nil {
		log.Fatal(err)
	}
	return rate{r["ops"], r["cpuOps"]}
}

func (nd *nodeBench) stop() {
	nd.in.Close()
	nd.cmd.Wait()
}
