// Package require is a tiny assertion helper for the core's tests, so that
// they need no third-party test dependency (and still run inside wasm).
package require

import (
	"bytes"
	"errors"
	"reflect"
	"testing"

	"github.com/pocketkms/pocketkms/core/kmserr"
)

// NoError fails the test now if err is not nil.
func NoError(t testing.TB, err error, msg ...any) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v %v", err, msg)
	}
}

// Equal fails the test now if got != want (deep equality).
func Equal(t testing.TB, want, got any, msg ...any) {
	t.Helper()
	if wb, ok := want.([]byte); ok {
		if gb, ok := got.([]byte); ok {
			if !bytes.Equal(wb, gb) {
				t.Fatalf("bytes differ %v:\nwant %x\ngot  %x", msg, wb, gb)
			}
			return
		}
	}
	if !reflect.DeepEqual(want, got) {
		t.Fatalf("not equal %v:\nwant %#v\ngot  %#v", msg, want, got)
	}
}

// True fails the test now if cond is false.
func True(t testing.TB, cond bool, msg ...any) {
	t.Helper()
	if !cond {
		t.Fatalf("expected true: %v", msg)
	}
}

// KMSError fails the test unless err is a *kmserr.Error with this status
// and code, and returns it.
func KMSError(t testing.TB, err error, status int, code string, msg ...any) *kmserr.Error {
	t.Helper()
	var ke *kmserr.Error
	if !errors.As(err, &ke) {
		t.Fatalf("want %d %s, got %v %v", status, code, err, msg)
	}
	if ke.Status != status || ke.Code != code {
		t.Fatalf("want %d %s, got %d %s (%s) %v", status, code, ke.Status, ke.Code, ke.Message, msg)
	}
	return ke
}
