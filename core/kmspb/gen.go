// Package kmspb holds the protobuf messages: the dkms-gcs-0.2 wire API that
// the KMS Instance SDKs speak, and pocketkms's key-management messages, with
// the one codec every build uses for their protobuf and JSON forms.
//
// Each message is a plain struct plus a generated field table (messages.go);
// one small walker per form (wire.go, json.go) encodes and decodes every
// message from its table. protoc-gen-go's code for the same .proto files
// lives in internal/refpb, used only by the generator and by the tests,
// which hold this codec to google.golang.org/protobuf's answers
// (TestDifferential, FuzzDifferential). docs/codec.md explains the format.
//
// Regenerate after editing a .proto file (Debian's protobuf-compiler and
// protoc-gen-go v1.36.12): `go generate ./core/kmspb`.
package kmspb

//go:generate protoc --go_out=internal/refpb --go_opt=paths=source_relative --go_opt=Mdkms_gcs.proto=github.com/pocketkms/pocketkms/core/kmspb/internal/refpb;refpb --go_opt=Madmin.proto=github.com/pocketkms/pocketkms/core/kmspb/internal/refpb;refpb dkms_gcs.proto admin.proto
//go:generate go run ./internal/leangen
