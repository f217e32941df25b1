package wasmhost

import (
	"io"
	"os"
	"path/filepath"
	"runtime"

	"github.com/pocketkms/pocketkms/internal/modes"
)

// Config is an immutable engine configuration: each WithX returns a changed
// copy, so one Config can safely seed several engines.
type Config struct {
	poolSize int
	cacheDir *string           // nil: the default directory
	stderr   io.Writer         // nil: os.Stderr
	env      []string          // KEY=VALUE pairs for the module, for tests
	noAES    bool              // WithHostAES(false)
	aes      modes.Accelerator // nil: each instance's aesCache; tests count calls with their own
}

// WithHostAES sets whether the module runs AES on Go's crypto through its
// pocketkms_aes imports (default true) or on its own Go-in-wasm AES. The
// answers are the same bytes either way; the parity suite runs both.
func (c Config) WithHostAES(on bool) Config { c.noAES = !on; return c }

func (c Config) hostAES() bool { return !c.noAES }

// aesImpl is the AES the imports run on: nil for the default, each
// instance's own aesCache (crypto/aes, keeping its last key's cipher).
func (c Config) aesImpl() modes.Accelerator { return c.aes }

// NewConfig returns the defaults: a pool of runtime.GOMAXPROCS(0) instances,
// an on-disk compilation cache under os.UserCacheDir()/pocketkms/wazero, and
// the module's stderr on the process's.
func NewConfig() Config { return Config{} }

// WithStderr sets where the module's stderr goes (default os.Stderr). The Go
// runtime inside writes there only when it dies (out of memory, a fault in
// the runtime): the reason an instance was replaced. Every instance of the
// pool shares w, so it must be safe for concurrent writes; io.Discard
// silences it.
func (c Config) WithStderr(w io.Writer) Config { c.stderr = w; return c }

// WithPoolSize sets how many module instances may run at once (default
// runtime.GOMAXPROCS(0)). An instance serves one call at a time, so this is
// the engine's parallelism; calls beyond it wait. Instances are created on
// first need, each costing start-up time and memory (README); an instance
// keeps the memory its largest request needed, since wasm memory never
// shrinks. n < 1 means the default.
func (c Config) WithPoolSize(n int) Config { c.poolSize = n; return c }

// WithCompilationCacheDir sets where compiled machine code is cached across
// processes (default os.UserCacheDir()/pocketkms/wazero). A hit replaces the
// slow compile of the module with a quick load (README). "" disables the
// disk cache: every New then compiles from scratch.
func (c Config) WithCompilationCacheDir(dir string) Config { c.cacheDir = &dir; return c }

func (c Config) errWriter() io.Writer {
	if c.stderr == nil {
		return os.Stderr
	}
	return c.stderr
}

func (c Config) pool() int {
	if c.poolSize < 1 {
		return runtime.GOMAXPROCS(0)
	}
	return c.poolSize
}

// cache returns the cache directory, "" for none. If the default cannot be
// determined (no HOME nor XDG_CACHE_HOME) the engine compiles without a
// disk cache: that costs start-up time only, never correctness.
func (c Config) cache() string {
	if c.cacheDir != nil {
		return *c.cacheDir
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "pocketkms", "wazero")
}
