//go:build !wasm

package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile profiles the process until the returned stop runs (at the
// end of serve, after the drain): `serve --cpuprofile FILE` under load is how
// the figures in the README were explained.
func startCPUProfile(path string) (stop func(), err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %v", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %v", err)
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
