// Package kmspb holds the protobuf messages: the dkms-gcs-0.2 wire API that
// the KMS Instance SDKs speak, and pocketkms's key-management messages.
//
// The generated code is committed; regenerate it (Debian's protobuf-compiler
// and protoc-gen-go v1.36.12) with `go generate ./core/kmspb`.
package kmspb

//go:generate protoc --go_out=. --go_opt=paths=source_relative dkms_gcs.proto admin.proto
//go:generate go run ./internal/leangen
