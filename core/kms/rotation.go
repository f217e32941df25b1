package kms

import (
	"strconv"
	"time"

	"github.com/pocketkms/pocketkms/core/ids"
	"github.com/pocketkms/pocketkms/core/kmserr"
)

const (
	minRotation = 7 * 24 * time.Hour
	maxRotation = 730 * 24 * time.Hour
)

// ParseRotationInterval reads `<int><d|h|m|s>` and checks the 7d to 730d
// range the product allows.
func ParseRotationInterval(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, kmserr.InvalidParameter("RotationInterval %q must be <number><d|h|m|s>, e.g. 30d", s)
	}
	unit := map[byte]time.Duration{'d': 24 * time.Hour, 'h': time.Hour, 'm': time.Minute, 's': time.Second}[s[len(s)-1]]
	n, err := strconv.ParseInt(s[:len(s)-1], 10, 64)
	if unit == 0 || err != nil || n <= 0 || n > int64(maxRotation/unit) {
		if unit != 0 && err == nil && n > 0 {
			return 0, kmserr.InvalidParameter("RotationInterval %q must be between 7d and 730d", s)
		}
		return 0, kmserr.InvalidParameter("RotationInterval %q must be <number><d|h|m|s>, e.g. 30d", s)
	}
	d := time.Duration(n) * unit
	if d < minRotation || d > maxRotation {
		return 0, kmserr.InvalidParameter("RotationInterval %q must be between 7d and 730d", s)
	}
	return d, nil
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

// rotateIfDue gives an enabled key whose interval has elapsed one new
// primary version. A key unused for several intervals rotates once: the
// version count records use, not the calendar.
func (c *call) rotateIfDue(k *keyRecord) error {
	if k.RotationSeconds == 0 || k.KeyState != StateEnabled || !k.symmetric() {
		return nil
	}
	if c.now.Before(k.nextRotation()) {
		return nil
	}
	return c.addVersion(k)
}

// addVersion appends a fresh version, makes it primary and saves the key.
// Asymmetric keys get new versions only this way, from CreateKeyVersion:
// they never rotate automatically (spec §10.4).
func (c *call) addVersion(k *keyRecord) error {
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
