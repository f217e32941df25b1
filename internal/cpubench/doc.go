// Package cpubench measures the Go side of one Worker request without D1 or
// workerd: host/server's handler over a sealed in-memory store, compiled
// for GOOS=js and run in Node's V8 (the engine workerd uses), so the figures
// are the CPU the Go code itself costs per request inside the Worker.
//
//	GOOS=js GOARCH=wasm PATH="$(go env GOROOT)/lib/wasm:$PATH" \
//	  go test -run '^$' -bench . ./internal/cpubench
//
// It has no code of its own; see cpubench_test.go.
package cpubench
