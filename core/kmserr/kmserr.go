// Package kmserr is the one error type that every pocketkms operation
// returns and every host reports: an HTTP status, the product's ErrorCode
// and a message (spec §4). A host never invents its own status or code for
// an engine failure; it serialises this.
package kmserr

import (
	"errors"
	"fmt"
)

// Error is a KMS error as a client sees it.
type Error struct {
	Status  int    // HTTP status, e.g. 400
	Code    string // the product's ErrorCode, e.g. "InvalidParameter"
	Message string // human-readable, names the problem
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// New returns an Error with a formatted message.
func New(status int, code, format string, args ...any) *Error {
	return &Error{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

// The product's error codes (spec §4).
const (
	CodeInvalidApiName       = "InvalidApiName"
	CodeInvalidApiVersion    = "InvalidApiVersion"
	CodeInvalidParam         = "InvalidParam"
	CodeMissingParameter     = "MissingParameter"
	CodeRequestTimeTooSkewed = "RequestTimeTooSkewed"
	CodeInvalidParameter     = "InvalidParameter"
	CodeUnsupportedOperation = "UnsupportedOperation"
	CodeSignatureNotMatch    = "SignatureNotMatch"
	CodeNoPermission         = "Forbidden.NoPermission"
	CodeKeyNotFound          = "Forbidden.KeyNotFound"
	CodeAliasNotFound        = "Forbidden.AliasNotFound"
	CodeUnauthorized         = "Unauthorized"
	CodeOnlySymmetric        = "Forbidden.OnlySymmetricKeySupported"
	CodeDisabled             = "Rejected.Disabled"
	CodePendingDeletion      = "Rejected.PendingDeletion"
	CodeAlreadyExists        = "Forbidden.ResourceAlreadyExists"
	CodeEntityTooLarge       = "RequestEntityTooLarge"
	CodeInvalidContentType   = "InvalidContentType"
	CodeThrottling           = "Rejected.Throttling"
	CodeInternalFailure      = "InternalFailure"
	CodeServiceUnavailable   = "ServiceUnavailableTemporary"
	CodeUnsupportedApi       = "UnsupportedOperation"
)

// InvalidParameter is the 400 for a bad parameter value.
func InvalidParameter(format string, args ...any) *Error {
	return New(400, CodeInvalidParameter, format, args...)
}

// KeyNotFound is the 404 for an unknown key id or alias.
func KeyNotFound(id string) *Error {
	return New(404, CodeKeyNotFound, "The specified Key %s is not found.", id)
}

// OnlySymmetric is the product's refusal of an Advance call on an asymmetric key.
func OnlySymmetric(id string) *Error {
	return New(404, CodeOnlySymmetric, "The key %s is not a symmetric key. The API only supports symmetric keys.", id)
}

// Internal wraps an unexpected failure; the message never includes secrets.
func Internal(format string, args ...any) *Error {
	return New(500, CodeInternalFailure, format, args...)
}

// As returns err as a *Error, wrapping anything else as an InternalFailure so
// that hosts always have a status and a code to report.
func As(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return Internal("internal failure: %v", err)
}
