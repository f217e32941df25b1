module github.com/pocketkms/pocketkms

go 1.26.0

require (
	github.com/ProtonMail/go-crypto v1.5.2
	github.com/andybalholm/brotli v1.2.0
	github.com/emmansun/gmsm v0.41.1
	github.com/syumai/workers v0.33.0
	github.com/tetratelabs/wazero v1.12.0
	golang.org/x/crypto v0.48.0
	google.golang.org/protobuf v1.36.12
	modernc.org/sqlite v1.62.0
	software.sslmate.com/src/go-pkcs12 v0.7.4
)

require (
	filippo.io/bigmod v0.1.0 // indirect
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/sys v0.49.0 // indirect
	modernc.org/libc v1.80.1 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
)
