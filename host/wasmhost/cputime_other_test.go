//go:build !unix

package wasmhost

import "time"

// cpuTime is not measured on this platform; the metric then reads 0.
func cpuTime() time.Duration { return 0 }
