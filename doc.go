// Package pocketkms is the Go entry point to pocketkms, a KMS instance that
// the official KMS Instance SDKs use unchanged. NewTestServer starts one in
// the test's process, as net/http/httptest does for HTTP:
//
//	srv := pocketkms.NewTestServer(t)
//	client, err := dedicatedkmssdk.NewClient(&dedicatedkmsopenapi.Config{
//		Protocol: tea.String("https"), Endpoint: tea.String(srv.Endpoint),
//		ClientKeyContent: tea.String(srv.ClientKeyContent), Password: tea.String(srv.Password), Ca: tea.String(srv.CA)})
//
// The package also holds the playground's web files for `pocketkms serve`
// (Assets) and, in a full build, the WebAssembly module (Module).
// docs/testing-your-app.md covers Go, Java, Python and Node applications.
package pocketkms
