package server

import (
	"context"

	"github.com/pocketkms/pocketkms/core/kms"
)

// Caller is what the handler needs from an engine, whichever way it runs:
// natively in-process (Native), or as the WebAssembly module under wazero
// (*wasmhost.Module). Both answer with the same bytes and the same
// *kmserr.Error values, which is what lets `serve --engine wasm` pass the
// very suite that `--engine native` passes.
type Caller interface {
	// CallProto takes and returns binary protobuf: the instance API's form.
	CallProto(ctx context.Context, api string, body []byte) ([]byte, error)
	// CallProtoMeta is CallProto with the metadata the instance API carries
	// in headers (kms.Meta): what the request asks, what the answer says.
	CallProtoMeta(ctx context.Context, api string, body []byte, in kms.Meta) ([]byte, kms.Meta, error)
	// CallJSON takes and returns JSON with the product's field names.
	CallJSON(ctx context.Context, api string, body []byte) ([]byte, error)
	// Close releases what the engine holds (module instances, caches).
	Close(ctx context.Context) error
}

// Native adapts the in-process engine to Caller.
func Native(e *kms.Engine) Caller { return native{e} }

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
