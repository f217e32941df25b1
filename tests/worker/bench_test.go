package worker

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// BenchmarkAdvanceEncrypt1KiB measures one signed AdvanceEncrypt of 1 KiB
// through the local Worker, sequentially, with each Go runtime strategy of
// worker.mjs. Besides ns/op (client wall time, including wrangler's local
// proxy) it reports, as medians:
//
//	go-start-ms   the isolate's time to get a Go runtime (Server-Timing)
//	go-handle-ms  the request inside Go, D1 reads included (Server-Timing)
//	go-memory-MiB the largest linear memory of a Go runtime seen (max)
//	workerd-cpu-ms  CPU of the whole workerd process per request (/proc):
//	              our isolate plus wrangler's proxy worker and the local D1,
//	              an upper bound on what Cloudflare would bill the Worker
//
// Run: tests/worker/run.sh -run '^$' -bench 'AdvanceEncrypt|GenerateRandom|Static|Healthz' -benchtime 300x
func BenchmarkAdvanceEncrypt1KiB(b *testing.B) {
	fresh, err := startWorker(persist, "--var", "POCKETKMS_GO_RUNTIME:per-request")
	if err != nil {
		b.Fatal(err)
	}
	defer fresh.stop()
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: bytes.Repeat([]byte{7}, 1024)})
	b.Run("pool", func(b *testing.B) { benchCall(b, w, "AdvanceEncrypt", body) })
	b.Run("per-request", func(b *testing.B) { benchCall(b, fresh, "AdvanceEncrypt", body) })
}

// BenchmarkGenerateRandom is a signed call that reads one D1 record (the
// ClientKey) where AdvanceEncrypt by alias reads three (ClientKey, alias,
// key): the difference is what two local D1 reads and the engine cost.
func BenchmarkGenerateRandom(b *testing.B) {
	body, _ := pb.Marshal(&pb.GenerateRandomRequest{Length: 32})
	benchCall(b, w, "GenerateRandom", body)
}

// BenchmarkStaticPage is the baseline for workerd-cpu-ms: GET / answered
// from the static assets by worker.mjs without Go (what workerd and
// wrangler's proxy cost per request on their own).
func BenchmarkStaticPage(b *testing.B) { benchGet(b, "") }

// BenchmarkHealthz is a request through Go (a pooled runtime) that reads
// nothing from D1: the JS-Go round trip and the handler without storage.
func BenchmarkHealthz(b *testing.B) { benchGet(b, "healthz") }

func benchGet(b *testing.B, path string) {
	get := func() {
		resp, err := http.Get(w.url + path)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("GET /%s: %d", path, resp.StatusCode)
		}
	}
	get()
	pid := workerdPIDs(b, w)
	cpu0 := procCPU(b, pid)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		get()
	}
	b.StopTimer()
	b.ReportMetric(float64((procCPU(b, pid)-cpu0).Microseconds())/1000/float64(b.N), "workerd-cpu-ms")
}

var (
	timingRE = regexp.MustCompile(`go-start;desc=(\w+);dur=([0-9.]+), go-handle;dur=([0-9.]+)`)
	memoryRE = regexp.MustCompile(`go-memory;desc=([0-9.]+)MiB`)
)

func benchCall(b *testing.B, wp *workerProcess, api string, body []byte) {
	c := target(wp).Raw(b)
	call := func() string {
		st, h, out := do(b, c, c.Request(api, body, nil, nil))
		if st != 200 {
			b.Fatalf("status %d: %q", st, out)
		}
		return h.Get("Server-Timing")
	}
	for i := 0; i < 5; i++ { // warm: compile, pool, caches
		call()
	}
	pid := workerdPIDs(b, wp)
	cpu0 := procCPU(b, pid)
	var starts, handles []float64
	var maxMem float64
	kinds := map[string]int{}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		timing := call()
		m := timingRE.FindStringSubmatch(timing)
		if m == nil {
			b.Fatal("no Server-Timing header (POCKETKMS_TIMING not set?)")
		}
		if mm := memoryRE.FindStringSubmatch(timing); mm != nil {
			v, _ := strconv.ParseFloat(mm[1], 64)
			maxMem = max(maxMem, v)
		}
		kinds[m[1]]++
		s, _ := strconv.ParseFloat(m[2], 64)
		h, _ := strconv.ParseFloat(m[3], 64)
		starts, handles = append(starts, s), append(handles, h)
	}
	b.StopTimer()
	cpu := procCPU(b, pid) - cpu0
	b.ReportMetric(median(starts), "go-start-ms")
	b.ReportMetric(median(handles), "go-handle-ms")
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "workerd-cpu-ms")
	b.ReportMetric(maxMem, "go-memory-MiB")
	b.Logf("runtimes: %v", kinds)
}

func median(v []float64) float64 {
	sort.Float64s(v)
	return v[len(v)/2]
}

// workerdPIDs finds the workerd processes that wrangler dev started (same
// process group): wrangler runs two, the Worker's and its proxy's.
func workerdPIDs(b *testing.B, wp *workerProcess) []int {
	pgid := wp.cmd.Process.Pid
	dirs, _ := filepath.Glob("/proc/[0-9]*/stat")
	var pids []int
	for _, d := range dirs {
		raw, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		s := string(raw)
		name := s[strings.Index(s, "(")+1 : strings.LastIndex(s, ")")]
		f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
		if name == "workerd" && f[2] == strconv.Itoa(pgid) {
			pid, _ := strconv.Atoi(filepath.Base(filepath.Dir(d)))
			pids = append(pids, pid)
		}
	}
	if len(pids) == 0 {
		b.Fatalf("no workerd process in group %d", pgid)
	}
	return pids
}

// procCPU is the user+system CPU time of pids so far (all their threads).
func procCPU(b *testing.B, pids []int) time.Duration {
	var total time.Duration
	for _, pid := range pids {
		raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			b.Fatal(err)
		}
		s := string(raw)
		f := strings.Fields(s[strings.LastIndex(s, ")")+2:])
		ut, _ := strconv.ParseInt(f[11], 10, 64)
		st, _ := strconv.ParseInt(f[12], 10, 64)
		total += time.Duration(ut+st) * time.Second / 100 // USER_HZ
	}
	return total
}

// BenchmarkColdStart starts a new workerd (a new isolate) per iteration and
// times its first AdvanceEncrypt: the client's wall time, and the
// isolate's go-start (instantiating the module and running Go's init,
// after workerd compiled the module at load) and go-handle (first use
// of every code path, D1 included). Use -benchtime 3x: each start takes
// seconds of wrangler.
func BenchmarkColdStart(b *testing.B) {
	body, _ := pb.Marshal(&pb.AdvanceEncryptRequest{KeyId: "alias/app", Plaintext: bytes.Repeat([]byte{7}, 1024)})
	var walls, starts, handles []float64
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		wp, err := startWorkerNoProbe(persist)
		if err != nil {
			b.Fatal(err)
		}
		c := target(wp).Raw(b)
		b.StartTimer()
		t0 := time.Now()
		st, h, out := do(b, c, c.Request("AdvanceEncrypt", body, nil, nil))
		wall := time.Since(t0)
		b.StopTimer()
		wp.stop()
		if st != 200 {
			b.Fatalf("status %d: %q", st, out)
		}
		m := timingRE.FindStringSubmatch(h.Get("Server-Timing"))
		if m == nil {
			b.Fatal("no Server-Timing")
		}
		s, _ := strconv.ParseFloat(m[2], 64)
		hd, _ := strconv.ParseFloat(m[3], 64)
		walls, starts, handles = append(walls, float64(wall.Microseconds())/1000), append(starts, s), append(handles, hd)
	}
	b.ReportMetric(median(walls), "first-wall-ms")
	b.ReportMetric(median(starts), "first-go-start-ms")
	b.ReportMetric(median(handles), "first-go-handle-ms")
}
