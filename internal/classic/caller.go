package classic

import (
	"context"

	"github.com/pocketkms/pocketkms/core/kms"
)

// caller is what this package needs from an engine: host/server.Caller,
// *wasmhost.Module and server.Native(*kms.Engine) all have it.
type caller interface {
	CallProtoMeta(ctx context.Context, api string, body []byte, in kms.Meta) ([]byte, kms.Meta, error)
	CallJSON(ctx context.Context, api string, body []byte) ([]byte, error)
}
