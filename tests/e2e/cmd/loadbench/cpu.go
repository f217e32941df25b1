package main

import (
	"os"
	"runtime"
	"strings"
)

func numCPU() int { return runtime.NumCPU() }

// loadAverage is the 1-minute load average (Linux), to tell a noisy
// measurement from a quiet one; "" where unknown.
func loadAverage() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}
