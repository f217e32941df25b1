module github.com/pocketkms/pocketkms/tests

go 1.26.0

require github.com/pocketkms/pocketkms v0.0.0

require (
	github.com/aliyun/alibabacloud-dkms-gcs-go-sdk v0.5.1 // indirect
	github.com/c2sp/wycheproof v0.0.0-20260105152342-fca0d3ba9f12 // indirect
	github.com/emmansun/gmsm v0.41.1 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/crypto v0.48.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	google.golang.org/protobuf v1.36.12 // indirect
)

replace github.com/pocketkms/pocketkms => ../
