// Command module is the pocketkms engine as a WebAssembly reactor
// (GOOS=wasip1, -buildmode=c-shared): the same core that runs natively,
// behind a tiny ABI of four exports and three imports that browsers, Node,
// workerd and wazero can all host (docs/wasm-abi.md).
//
// The module keeps no state between calls except the buffers the host has
// allocated and not yet freed: the store lives in the host, reached through
// the kv_* imports, so any number of instances may share one store.
package main

// main is never called: a reactor is entered through its exports after the
// host has run _initialize.
func main() {}
