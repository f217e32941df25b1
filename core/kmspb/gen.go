// Package kmspb holds the protobuf messages: the dkms-gcs-0.2 wire API that
// the KMS Instance SDKs speak, and pocketkms's key-management messages.
//
// The generated code is committed; regenerate it (Debian's protobuf-compiler
// and protoc-gen-go v1.36.12) with `go generate ./core/kmspb`, which also
// regenerates leanpb, the same messages without the protobuf runtime, and
// lean.go, which makes them kmspb's types under the pocketkms_lean build tag
// (codec.go and codec_lean.go are the two sides of the one codec API).
package kmspb

//go:generate protoc --go_out=. --go_opt=paths=source_relative dkms_gcs.proto admin.proto
//go:generate go run ./internal/leangen
