module github.com/pocketkms/pocketkms

go 1.26.0

require (
	github.com/emmansun/gmsm v0.41.1
	google.golang.org/protobuf v1.36.12
)

require (
	github.com/syumai/workers v0.33.0 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
)
