package kms

import (
	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
)

// CallJSON runs api on a JSON request: the JSON form used by scripts, the CLI
// and the playground (protojson, field names as the product spells them,
// bytes as standard base64).
func (e *Engine) CallJSON(api string, body []byte) ([]byte, error) {
	out, _, err := e.CallJSONMeta(api, body, Meta{})
	return out, err
}

// CallJSONMeta is CallJSON with metadata in and out (see CallMeta).
func (e *Engine) CallJSONMeta(api string, body []byte, in Meta) ([]byte, Meta, error) {
	req, err := NewRequest(api)
	if err != nil {
		return nil, Meta{}, err
	}
	if len(body) == 0 {
		body = []byte("{}")
	}
	if err := pb.UnmarshalJSON(body, req); err != nil {
		return nil, Meta{}, kmserr.InvalidParameter("the %s request is not valid JSON for it: %s", api, libraryError(err))
	}
	resp, meta, err := e.CallMeta(api, req, in)
	if err != nil {
		return nil, Meta{}, err
	}
	out, err := pb.MarshalJSON(resp)
	if err != nil {
		return nil, Meta{}, kmserr.Internal("encode response: %v", err)
	}
	return out, meta, nil
}
