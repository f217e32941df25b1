// Package engine is what a host (the HTTP server, the CLI, the Worker) needs
// from a KMS engine, whichever way it runs: natively in-process, or as the
// WebAssembly module under wazero. Both answer with the same bytes and the
// same *kmserr.Error values, which is what lets `serve --engine wasm` pass
// the very suite that `--engine native` passes.
package engine

import (
	"context"

	"github.com/pocketkms/pocketkms/core/kms"
)

// Engine runs one operation. Errors are *kmserr.Error.
type Engine interface {
	// CallProto takes and returns binary protobuf: the instance API's form.
	CallProto(ctx context.Context, api string, body []byte) ([]byte, error)
	// CallProtoMeta is CallProto with the metadata the instance API carries
	// in headers (kms.Meta): what the request asks, what the answer says.
	CallProtoMeta(ctx context.Context, api string, body []byte, in kms.Meta) ([]byte, kms.Meta, error)
	// CallJSON takes and returns protojson with the product's field names.
	CallJSON(ctx context.Context, api string, body []byte) ([]byte, error)
	// Close releases what the engine holds (module instances, caches).
	Close(ctx context.Context) error
}

// Native adapts the in-process core engine.
func Native(e *kms.Engine) Engine { return native{e} }

type native struct{ e *kms.Engine }

func (n native) CallProto(_ context.Context, api string, body []byte) ([]byte, error) {
	return n.e.CallProto(api, body)
}

func (n native) CallProtoMeta(_ context.Context, api string, body []byte, in kms.Meta) ([]byte, kms.Meta, error) {
	return n.e.CallProtoMeta(api, body, in)
}

func (n native) CallJSON(_ context.Context, api string, body []byte) ([]byte, error) {
	return n.e.CallJSON(api, body)
}

func (native) Close(context.Context) error { return nil }
