package classic

import (
	"github.com/pocketkms/pocketkms/core/kmserr"
)

// The classic API's own error codes (spec §5.1 and §8); the engine's codes
// pass through unchanged where both APIs share them.
const (
	codeAccessKeyNotFound  = "InvalidAccessKeyId.NotFound"
	codeSignatureMismatch  = "SignatureDoesNotMatch"
	codeIncompleteSig      = "IncompleteSignature"
	codeTimestampExpired   = "InvalidTimeStamp.Expired"
	codeIllegalTimestamp   = "IllegalTimestamp"
	codeNonceUsed          = "SignatureNonceUsed"
	codeInvalidVersion     = "InvalidVersion"
	codeActionNotFound     = "InvalidAction.NotFound"
	codeParseException     = "ParseRequestParameterException"
	codeDryRun             = "DryRunOperationError"
	codeUnsupportedOp      = "Rejected.UnsupportedOperation"
	codeDeletionProtection = "Forbidden.DeletionProtection"
)

func errParse(format string, args ...any) error {
	return kmserr.New(400, codeParseException, "Server parse parameters exception: "+format, args...)
}

func missing(name string) error {
	return kmserr.New(400, kmserr.CodeMissingParameter, "The parameter %q is needed but not provided.", name)
}

func invalid(name string) error {
	return kmserr.New(400, kmserr.CodeInvalidParameter, "The specified parameter %q is not valid.", name)
}

func incomplete(format string, args ...any) error {
	return kmserr.New(400, codeIncompleteSig, "The request signature does not conform to Alibaba Cloud standards: "+format, args...)
}

func kmserr400(code, format string, args ...any) error { return kmserr.New(400, code, format, args...) }

func errTimestamp(name string) error {
	return kmserr.New(400, codeIllegalTimestamp, "The input parameter %q that is mandatory for processing this request is not supplied or not in the form 2006-01-02T15:04:05Z.", name)
}
