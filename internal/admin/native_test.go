package admin

import (
	"context"

	"github.com/pocketkms/pocketkms/core/kms"
)

// native is server.Native for this package's own tests (host/server
// imports this package, so they cannot import it).
type native struct{ e *kms.Engine }

func newNative(e *kms.Engine) native { return native{e} }

func (n native) CallProtoMeta(_ context.Context, api string, body []byte, in kms.Meta) ([]byte, kms.Meta, error) {
	return n.e.CallProtoMeta(api, body, in)
}

func (n native) CallJSON(_ context.Context, api string, body []byte) ([]byte, error) {
	return n.e.CallJSON(api, body)
}

func (native) Close(context.Context) error { return nil }
