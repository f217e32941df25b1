package server

// brotliEncode: none in the Worker (brotli.go).
var brotliEncode func([]byte) []byte
