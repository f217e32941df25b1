package ids_test

import (
	"crypto/rand"
	"strings"
	"testing"

	"github.com/pocketkms/pocketkms/internal/ids"
	"github.com/pocketkms/pocketkms/internal/require"
)

func TestGeneratedShapes(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		k, err := ids.NewKeyID(rand.Reader)
		require.NoError(t, err)
		require.True(t, ids.ValidKeyID(k), k)
		require.True(t, !seen[k], "repeated id", k)
		seen[k] = true
		v, err := ids.NewVersionID(rand.Reader, k)
		require.NoError(t, err)
		require.True(t, ids.ValidVersionID(v), v)
		require.Equal(t, k, ids.KeyIDOfVersion(v))
		r := ids.NewRequestID(rand.Reader)
		require.True(t, len(r) == 36 && r[14] == '4' && strings.ToLower(r) == r, r)
	}
}

func TestValidation(t *testing.T) {
	for _, bad := range []string{"", "key-", "key-ABCDEFGHIJKLMNOPQRSTU", "kee-abcdefghijklmnopqrstu", "key-abcdefghijklmnopqrst", "key-abcdefghijklmnopqrst_"} {
		require.True(t, !ids.ValidKeyID(bad), bad)
	}
	require.True(t, ids.ValidKeyID("key-abcdefghijklmnopqrstu"))
	for _, bad := range []string{"key-abcdefghijklmnopqrstu-012345678", "key-abcdefghijklmnopqrstu_0123456789", "key-abcdefghijklmnopqrstu-01234567-9"} {
		require.True(t, !ids.ValidVersionID(bad), bad)
	}
	for _, ok := range []string{"alias/a", "alias/my-app_1/prod", "alias/" + strings.Repeat("a", 249)} {
		require.NoError(t, ids.CheckAlias(ok), ok)
	}
	for _, bad := range []string{"alias/", "app", "alias/" + strings.Repeat("a", 250), "alias/a b", "alias/acs/x"} {
		require.True(t, ids.CheckAlias(bad) != nil, bad)
	}
}
