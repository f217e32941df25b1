package kms

import (
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/pocketkms/pocketkms/core/kmserr"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/internal/ids"
)

const (
	minRotation = 7 * 24 * time.Hour
	maxRotation = 730 * 24 * time.Hour
)

// ParseRotationInterval reads `<int><d|h|m|s>` and checks the 7d to 730d
// range the product allows.
func ParseRotationInterval(s string) (time.Duration, error) {
	return parseInterval(s, minRotation, maxRotation, "7d", "730d")
}

// nextRotation is when automatic rotation falls due, or zero when it is off.
func (k *keyRecord) nextRotation() time.Time {
	if k.RotationSeconds == 0 {
		return time.Time{}
	}
	// The interval counts from the newest of: creation, the last rotation,
	// and the moment the policy was turned on (not from a creation long ago).
	last := k.CreationDate
	for _, t := range []*time.Time{k.LastRotationDate, k.RotationSince} {
		if t != nil && t.After(last) {
			last = *t
		}
	}
	return last.Add(time.Duration(k.RotationSeconds) * time.Second)
}

// rotationDue is the instant of the rotation that a key whose interval has
// elapsed owes now: the latest due date not after now. A key unused for
// several intervals rotates once, dated at the last of them, so that the
// version count records use, not the calendar, and the next due date is in
// the future again. ok is false when nothing is due.
func (k *keyRecord) rotationDue(now time.Time) (time.Time, bool) {
	if k.RotationSeconds == 0 || k.KeyState != StateEnabled || !k.symmetric() {
		return time.Time{}, false
	}
	next := k.nextRotation()
	if now.Before(next) {
		return time.Time{}, false
	}
	interval := time.Duration(k.RotationSeconds) * time.Second
	return next.Add(now.Sub(next) / interval * interval), true
}

// projectRotation applies a due automatic rotation to k in memory only. The
// new primary version has its final id and date but no material yet: reads
// report the key as it will be without writing, and every reader (and the
// writer that commits it) sees the same version. Operations that encrypt or
// change the key commit it through saveKey, which draws the material.
func (k *keyRecord) projectRotation(now time.Time) {
	due, ok := k.rotationDue(now)
	if !ok {
		return
	}
	k.Versions = append(k.Versions, versionRecord{KeyVersionId: k.rotatedVersionID(), CreationDate: due})
	last := due // its own variable: &due would put due on the heap for every key read, due or not
	k.LastRotationDate = &last
	k.pending = true
}

// rotatedVersionID names the version an automatic rotation adds: derived
// from the current primary, so the projection of a read and the commit of a
// write agree without either storing anything. Version ids are not secret.
func (k *keyRecord) rotatedVersionID() string {
	seed := "pocketkms rotation\x00" + k.primary().KeyVersionId
	for n := 0; ; n++ {
		vid, _ := ids.NewVersionID(&hashStream{seed: seed + "\x00" + strconv.Itoa(n)}, k.KeyId)
		if k.version(vid) == nil {
			return vid
		}
	}
}

// hashStream is an endless SHA-256 counter-mode byte stream over seed.
type hashStream struct {
	seed string
	ctr  uint64
	buf  []byte
}

func (h *hashStream) Read(p []byte) (int, error) {
	for n := 0; n < len(p); {
		if len(h.buf) == 0 {
			sum := sha256.Sum256(binary.BigEndian.AppendUint64([]byte(h.seed), h.ctr))
			h.ctr++
			h.buf = sum[:]
		}
		c := copy(p[n:], h.buf)
		h.buf, n = h.buf[c:], n+c
	}
	return len(p), nil
}

// commitRotation saves a projected rotation of k, for operations that
// encrypt with the key: they use the new primary from then on.
func (c *call) commitRotation(k *keyRecord) error {
	if !k.pending {
		return nil
	}
	return c.saveKey(k)
}

// materialize draws the material of a projected version before it is saved.
func (c *call) materialize(k *keyRecord) error {
	if !k.pending {
		return nil
	}
	size, _ := symmetricKeySize(k.KeySpec)
	m, err := c.random(size)
	if err != nil {
		return err
	}
	k.primary().Material = m
	k.pending = false
	return nil
}

// addVersion appends a fresh version, makes it primary and saves the key.
// Asymmetric keys get new versions only this way, from CreateKeyVersion:
// they never rotate automatically (spec §10.4).
func (c *call) addVersion(k *keyRecord) error {
	if err := c.materialize(k); err != nil {
		return err
	}
	material, err := c.newMaterial(k)
	if err != nil {
		return err
	}
	vid, err := c.newVersionID(k)
	if err != nil {
		return err
	}
	now := c.now
	k.Versions = append(k.Versions, versionRecord{KeyVersionId: vid, CreationDate: now, Material: material})
	k.LastRotationDate = &now
	return c.saveKey(k)
}

func (c *call) newVersionID(k *keyRecord) (string, error) {
	for {
		vid, err := ids.NewVersionID(c.e.rand, k.KeyId)
		if err != nil {
			return "", kmserr.Internal("%v", err)
		}
		if k.version(vid) == nil {
			return vid, nil
		}
	}
}

// RotateDue stores every automatic rotation that has fallen due, each key in
// a transaction of its own (so it conflicts with nothing but an operation on
// that key), and says how many keys it rotated. It is for long-running hosts
// that want stored material to follow the calendar as well as use; it changes
// no answer, since reads already report a due rotation. A key record that
// cannot be read is skipped, and the first such error is returned at the
// end, after every other key had its turn.
func (e *Engine) RotateDue() (int, error) {
	names, err := e.b.List(keyPrefix)
	if err != nil {
		return 0, kmserr.Internal("store list failed: %v", err)
	}
	var first error
	n := 0
	for _, name := range names {
		rotated := false
		_, err := e.run(func(c *call) (pb.Message, error) {
			rotated = false
			k, err := c.loadKey(strings.TrimPrefix(name, keyPrefix))
			if err != nil || k == nil {
				return nil, err
			}
			k.projectRotation(c.now)
			if !k.pending {
				return nil, nil
			}
			rotated = true
			return nil, c.saveKey(k)
		})
		if err != nil && first == nil {
			first = err
		}
		if err == nil && rotated {
			n++
		}
	}
	return n, first
}
