//go:build pocketkms_protoonly

package kms

import "github.com/pocketkms/pocketkms/core/kmserr"

// CallJSON is not built in: with the pocketkms_protoonly tag the engine
// speaks only the protobuf form, which leaves protojson (and the regexp
// package it pulls in, ~350 KB of code) out of builds that never need JSON,
// such as the Cloudflare Worker, whose bundle is near the free plan's limit.
func (e *Engine) CallJSON(api string, body []byte) ([]byte, error) {
	return nil, kmserr.New(400, kmserr.CodeUnsupportedOperation,
		"this build of pocketkms speaks only the protobuf form (built with -tags pocketkms_protoonly); %s was called with JSON", api)
}
