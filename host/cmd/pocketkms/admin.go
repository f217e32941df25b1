//go:build !wasm

package main

import (
	"context"
	"io"

	"github.com/pocketkms/pocketkms/core/kms"
	"github.com/pocketkms/pocketkms/host/server"
	"github.com/pocketkms/pocketkms/internal/admin"
)

// runAdmin hands key, alias and rotation commands to internal/admin with a
// native engine on the data directory. A server running on the same
// directory sees the change at its next request: it caches no key state.
func runAdmin(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	dir, rest, err := splitDataFlag(args)
	if err != nil {
		return fail(stderr, err)
	}
	d, err := openData(dir)
	if err != nil {
		return fail(stderr, err)
	}
	defer d.Close()
	eng := server.Native(kms.New(d.backend, kms.NewConfig()))
	defer eng.Close(ctx)
	return admin.Run(ctx, eng, rest, stdout, stderr)
}
