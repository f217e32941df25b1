//go:build !pocketkms_protoonly

package kms

import (
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// JSON is the JSON form used by scripts, the CLI and the playground: field
// names as the product spells them, bytes as standard base64.
var (
	jsonIn  = protojson.UnmarshalOptions{DiscardUnknown: false}
	jsonOut = protojson.MarshalOptions{UseProtoNames: true}
)

// CallJSON runs api on a JSON request (protojson, PascalCase field names).
func (e *Engine) CallJSON(api string, body []byte) ([]byte, error) {
	req, err := NewRequest(api)
	if err != nil {
		return nil, err
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := jsonIn.Unmarshal(body, req); err != nil {
		return nil, kmserr.InvalidParameter("the %s request is not valid JSON for it: %s", api, libraryError(err))
	}
	resp, err := e.Call(api, req)
	if err != nil {
		return nil, err
	}
	out, err := jsonOut.Marshal(resp)
	if err != nil {
		return nil, kmserr.Internal("encode response: %v", err)
	}
	return out, nil
}
