// Package tests holds pocketkms's cross-runtime and end-to-end tests. It is
// a module of its own so that test-only dependencies (the official KMS
// Instance SDK, the Wycheproof vectors) stay out of the main module.
package tests
