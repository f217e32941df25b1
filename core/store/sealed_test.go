package store_test

import (
	"bytes"
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/core/store"
	"github.com/pocketkms/pocketkms/core/store/storetest"
)

func rootKey(seed string) []byte {
	k := sha256.Sum256([]byte(seed))
	return k[:]
}

func mustSealed(t testing.TB, b store.Backend, key []byte) store.Backend {
	t.Helper()
	s, err := store.Sealed(b, key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestSealedConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Backend {
		return mustSealed(t, store.NewMemory(), rootKey("conformance"))
	})
}

func TestSealedRootKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33, 64} {
		if _, err := store.Sealed(store.NewMemory(), make([]byte, n)); err == nil || !strings.Contains(err.Error(), "want 32") {
			t.Errorf("%d-byte root key: err = %v, want a length error", n, err)
		}
	}
}

// TestSealedAtRest checks what actually reaches the inner backend: "keys/"
// values are sealed (plaintext absent, a fresh nonce per write), everything
// else passes through byte for byte.
func TestSealedAtRest(t *testing.T) {
	raw := store.NewMemory()
	s := mustSealed(t, raw, rootKey("at rest"))
	secret := []byte(`{"Material":"c2VjcmV0IGtleSBtYXRlcmlhbA=="}`)
	alias := []byte(`{"AliasName":"alias/a"}`)
	commit(t, s, store.Write{Key: "keys/k1", Value: secret}, store.Write{Key: "aliases/alias/a", Value: alias})

	inner, _, _ := raw.Get("keys/k1")
	if bytes.Contains(inner, []byte("c2VjcmV0")) || len(inner) != len(secret)+29 || inner[0] != 0x01 {
		t.Fatalf("inner keys/ value is not a format-1 envelope: %x", inner)
	}
	if got, _, _ := raw.Get("aliases/alias/a"); !bytes.Equal(got, alias) {
		t.Fatalf("aliases/ value changed at rest: %q", got)
	}
	commit(t, s, store.Write{Key: "keys/k1", Value: secret})
	again, _, _ := raw.Get("keys/k1")
	if bytes.Equal(inner[1:13], again[1:13]) {
		t.Fatal("two writes of the same record reused a nonce")
	}
	if got, _, err := s.Get("keys/k1"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get through Sealed = %q, %v", got, err)
	}
}

// TestSealedTamper alters the stored envelope in every way an attacker with
// write access to the database could, and checks Get fails with a clear
// error instead of returning bytes.
func TestSealedTamper(t *testing.T) {
	const key = "keys/key-tampered"
	plain := []byte(`{"KeyId":"key-tampered","Versions":[{"Material":"AAAA"}]}`)

	setup := func(t *testing.T) (raw *store.Memory, s store.Backend, env []byte) {
		raw = store.NewMemory()
		s = mustSealed(t, raw, rootKey("tamper"))
		commit(t, s, store.Write{Key: key, Value: plain}, store.Write{Key: "keys/key-other", Value: []byte(`{"KeyId":"key-other"}`)})
		env, _, _ = raw.Get(key)
		return raw, s, env
	}
	const authFail = "record keys/key-tampered failed to decrypt and authenticate: wrong root key or tampered with"

	_, _, env := setup(t)
	var cases []struct {
		name, want string
		value      []byte
	}
	add := func(name, want string, v []byte) {
		cases = append(cases, struct {
			name, want string
			value      []byte
		}{name, want, v})
	}
	for i := 1; i < len(env); i++ { // byte 0 is the version: its own case below
		for _, bit := range []byte{0x01, 0x80} {
			v := bytes.Clone(env)
			v[i] ^= bit
			add("flip/byte"+strconv.Itoa(i)+"/bit"+strconv.Itoa(int(bit)), authFail, v)
		}
	}
	for _, n := range []int{len(env) - 1, len(env) - 16, 29} {
		add("truncate/"+strconv.Itoa(n), authFail, env[:n])
	}
	for _, n := range []int{28, 13, 1} {
		add("truncate/"+strconv.Itoa(n), "record keys/key-tampered is truncated", env[:n])
	}
	add("empty", "record keys/key-tampered is empty", []byte{})
	add("extended", authFail, append(bytes.Clone(env), 0))
	add("version/0x02", "sealing format 0x02, want 0x01", append([]byte{0x02}, env[1:]...))
	add("version/0x00", "sealing format 0x00, want 0x01", append([]byte{0x00}, env[1:]...))
	add("plaintext", "sealing format 0x7b, want 0x01: it was written without a root key", plain)

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			raw, s, _ := setup(t)
			if err := raw.Commit(nil, []store.Write{{Key: key, Value: c.value}}); err != nil {
				t.Fatal(err)
			}
			got, rev, err := s.Get(key)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Get = (%q, %d, %v), want error containing %q", got, rev, err, c.want)
			}
			if got != nil {
				t.Fatalf("Get returned bytes with its error: %q", got)
			}
		})
	}

	t.Run("swapped", func(t *testing.T) {
		raw, s, env := setup(t)
		other, _, _ := raw.Get("keys/key-other")
		// Each record gets the other's valid envelope.
		commit(t, raw, store.Write{Key: key, Value: other}, store.Write{Key: "keys/key-other", Value: env})
		for _, k := range []string{key, "keys/key-other"} {
			if got, _, err := s.Get(k); err == nil || !strings.Contains(err.Error(), "record "+k+" failed to decrypt and authenticate") {
				t.Errorf("Get(%s) after swap = (%q, %v), want an authentication error", k, got, err)
			}
		}
	})

	t.Run("copied", func(t *testing.T) {
		// A sealed value copied to a record name of the attacker's choosing.
		raw, s, env := setup(t)
		commit(t, raw, store.Write{Key: "keys/key-copy", Value: env})
		if got, _, err := s.Get("keys/key-copy"); err == nil {
			t.Fatalf("copied envelope opened under another key: %q", got)
		}
	})

	t.Run("wrong root key", func(t *testing.T) {
		raw, _, _ := setup(t)
		for _, k := range [][]byte{rootKey("another"), make([]byte, 32)} {
			got, _, err := mustSealed(t, raw, k).Get(key)
			if err == nil || !strings.Contains(err.Error(), authFail) {
				t.Fatalf("Get with a wrong root key = (%q, %v), want %q", got, err, authFail)
			}
		}
		if got, _, err := mustSealed(t, raw, rootKey("another")).Get("keys/key-other"); err == nil {
			t.Fatalf("another sealed record opened with a wrong root key: %q", got)
		}
	})

	t.Run("untouched still opens", func(t *testing.T) {
		_, s, _ := setup(t)
		if got, _, err := s.Get(key); err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("Get = (%q, %v)", got, err)
		}
	})
}

// TestSealedConflictsPassThrough: sealing changes values, never revisions.
func TestSealedConflictsPassThrough(t *testing.T) {
	raw := store.NewMemory()
	s := mustSealed(t, raw, rootKey("revs"))
	commit(t, s, store.Write{Key: "keys/k", Value: []byte("v1")})
	_, sealedRev, _ := s.Get("keys/k")
	_, rawRev, _ := raw.Get("keys/k")
	if sealedRev != rawRev || sealedRev == 0 {
		t.Fatalf("sealed rev %d, inner rev %d", sealedRev, rawRev)
	}
}

func commit(t *testing.T, b store.Backend, ws ...store.Write) {
	t.Helper()
	if err := b.Commit(nil, ws); err != nil {
		t.Fatal(err)
	}
}

// FuzzSealedOpen feeds arbitrary stored bytes to the opener: it must never
// panic, and anything it accepts must be the one value that was sealed.
func FuzzSealedOpen(f *testing.F) {
	raw := store.NewMemory()
	s := mustSealed(f, raw, rootKey("fuzz"))
	plain := []byte(`{"KeyId":"key-fuzz"}`)
	if err := s.Commit(nil, []store.Write{{Key: "keys/fuzz", Value: plain}}); err != nil {
		f.Fatal(err)
	}
	env, _, _ := raw.Get("keys/fuzz")
	f.Add(env)
	f.Add([]byte{})
	f.Add([]byte{0x01})
	f.Add(plain)
	f.Fuzz(func(t *testing.T, v []byte) {
		if err := raw.Commit(nil, []store.Write{{Key: "keys/fuzz", Value: v}}); err != nil {
			t.Fatal(err)
		}
		got, _, err := s.Get("keys/fuzz")
		if err == nil && !bytes.Equal(got, plain) {
			t.Fatalf("opened %x to %q", v, got)
		}
		if err != nil && (got != nil || !strings.Contains(err.Error(), "record keys/fuzz")) {
			t.Fatalf("error %v with value %q", err, got)
		}
	})
}
