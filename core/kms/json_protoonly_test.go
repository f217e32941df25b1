//go:build pocketkms_protoonly

package kms_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/pocketkms/pocketkms/core/internal/require"
	"github.com/pocketkms/pocketkms/core/kms"
	pb "github.com/pocketkms/pocketkms/core/kmspb"
	"github.com/pocketkms/pocketkms/core/store"
)

// TestProtoOnly: the protobuf-only build refuses the JSON form with a clear
// error and still serves the protobuf form.
func TestProtoOnly(t *testing.T) {
	e := kms.New(store.NewMemory(), kms.NewConfig())
	_, err := e.CallJSON("CreateKey", []byte("{}"))
	require.KMSError(t, err, 400, "UnsupportedOperation")
	out, err := e.CallProto("CreateKey", nil)
	require.NoError(t, err)
	var r pb.KeyResponse
	require.NoError(t, proto.Unmarshal(out, &r))
	require.True(t, r.KeyMetadata.KeyId != "")
}
