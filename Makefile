# pocketkms: `make run` starts the server with the playground; `make test` runs every suite.
# Both do their own set-up (idempotent), so they work on a fresh machine.

SHELL      := /bin/bash
GOBIN      := $(shell go env GOPATH)/bin
GOWASM     := $(shell go env GOROOT)/lib/wasm
export PATH := $(GOBIN):$(GOWASM):$(PATH)
DATA       ?= ./pocketkms-data

.PHONY: run test setup setup-go setup-npm setup-chromium setup-binaryen build wasm bin \
	test-go test-wasm-core test-fuzz test-tests-module test-e2e test-classic test-node test-npm test-browser test-parity test-worker \
	bench generate

## run: build everything and start `pocketkms serve` (HTTPS on 127.0.0.1:9443, data in ./pocketkms-data).
run: setup-go build
	./bin/pocketkms serve --data $(DATA)

## test: every suite, as CI runs it.
test: setup build test-go test-wasm-core test-fuzz test-tests-module test-e2e test-classic test-node test-npm test-browser test-parity test-worker
	@echo "all suites passed"

setup: setup-go setup-npm setup-chromium setup-binaryen

setup-go:
	go mod download
	cd tests && go mod download
	@test -x $(GOBIN)/wazero || go install github.com/tetratelabs/wazero/cmd/wazero@v1.12.0

setup-npm:
	@if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then npm ci --no-audit --no-fund; fi

setup-chromium:
	@command -v chromium >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; fi; }

# wasm-opt (binaryen) keeps the module within its size budget (wasm/build.sh).
setup-binaryen:
	@command -v wasm-opt >/dev/null || { \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen; \
		else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq binaryen; fi; }

build: wasm bin

wasm:
	bash wasm/build.sh

## bin: the self-contained binary: static (CGO_ENABLED=0), carrying the module (-tags pocketkms_embed): copy it anywhere.
bin: wasm
	CGO_ENABLED=0 go build -trimpath -tags pocketkms_embed -o bin/pocketkms ./host/cmd/pocketkms

## The core and hosts, natively.
test-go:
	go vet ./...
	GOOS=wasip1 GOARCH=wasm go vet ./...
	GOOS=js GOARCH=wasm go vet ./...
	go vet -tags pocketkms_embed . ./host/cmd/pocketkms
	go test -count=1 ./...
	go test -race -count=1 . ./core/... ./internal/sqlstore ./host/server ./internal/classic ./internal/accesskeys ./internal/seed ./internal/clientkeys ./host/cmd/pocketkms

## The core's own tests inside WebAssembly, the build the module and the Worker use:
## wasip1 under the wazero CLI, js under Node.
test-wasm-core:
	GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero go test -count=1 ./core/...
	GOOS=js GOARCH=wasm go test -count=1 ./core/...

## Every parser is fuzzed, briefly, on every run (seed corpora are committed). Budgets are
## execution counts (about 8 s each here), not durations: Go 1.26's coordinator can report a
## spurious "context deadline exceeded" when a -fuzztime duration expires mid-call
## (go.dev/issue/75804, fixed in Go 1.27). `make test-fuzz FUZZTIME=5m` fuzzes every target longer.
fuzz = go test -run '^$$' -fuzz '^$(1)$$' -fuzztime $(or $(FUZZTIME),$(3)) -fuzzminimizetime 5s $(2)

test-fuzz:
	$(call fuzz,FuzzParse,./internal/blob,500000x)
	$(call fuzz,FuzzAdvanceDecrypt,./core/kms,150000x)
	$(call fuzz,FuzzParseRotationInterval,./core/kms,200000x)
	$(call fuzz,FuzzKeyRecord,./core/kms,60000x)
	$(call fuzz,FuzzParseSecretRotationInterval,./core/kms,200000x)
	$(call fuzz,FuzzParsePrivateKey,./internal/asym,40000x)
	$(call fuzz,FuzzParseSPKI,./internal/asym,8000x)
	$(call fuzz,FuzzVerify,./internal/asym,4000x)
	$(call fuzz,FuzzDecodePEM,./internal/asym,20000x)
	$(call fuzz,FuzzSecretRequests,./core/kms,30000x)
	$(call fuzz,FuzzSealedOpen,./core/store,500000x)
	$(call fuzz,FuzzDifferential,./core/kmspb,80000x)
	$(call fuzz,FuzzParse,./internal/seed,80000x)
	$(call fuzz,FuzzParseAuthorization,./host/server,100000x)
	$(call fuzz,FuzzStringToSign,./host/server,60000x)
	$(call fuzz,FuzzHandler,./host/server,60000x)
	$(call fuzz,FuzzParseRequest,./internal/classic,150000x)
	$(call fuzz,FuzzListPrefix,./internal/sqlstore,25000x)
	$(call fuzz,FuzzDecodeBatch,./internal/abi,100000x)
	$(call fuzz,FuzzDecodeList,./internal/abi,200000x)
	$(call fuzz,FuzzDecodeMeta,./internal/abi,100000x)
	$(call fuzz,FuzzRenderRoundTrip,./host/worker/d1seed,10000x)
	$(call fuzz,FuzzParseStoreFile,./host/cmd/pocketkms,20000x)
	$(call fuzz,FuzzRecordFromClientKey,./internal/clientkeys,150000x)
	$(call fuzz,FuzzRecordFromCertificate,./internal/clientkeys,250000x)
	$(call fuzz,FuzzVerifySHA256,./internal/clientkeys,60000x)

## Wycheproof, and the root package's in-process test server under the official SDK (the tests/ module).
test-tests-module:
	cd tests && go vet ./... && go test -count=1 ./wycheproof/... ./testserver/...

## The real binary driven by the official Go SDK v0.5.1, on the native and the wasm engine.
test-e2e:
	bash tests/e2e/run.sh

## The classic KMS OpenAPI driven by Alibaba's own classic clients (Go v3 ×3 signers, alibaba-cloud-sdk-go, Node).
test-classic:
	bash tests/classic/run.sh

test-node:
	bash tests/node/run.sh

## The packed npm tarball installed offline into an empty project: Node, an esbuild bundle in Chromium, tsc --strict.
test-npm:
	bash tests/npm/run.sh

test-browser:
	bash tests/browser/run.sh

## One vector set on native, wazero, Node and Chromium (the Worker runs it in test-worker).
test-parity:
	PARITY_WORKER=0 bash tests/parity/run.sh

test-worker:
	bash tests/worker/run.sh

## Figures: the core's Go benchmarks, the test server's start, AdvanceEncrypt native/wazero/Node side by side, and the server under load.
bench: wasm
	go test -run '^$$' -bench . -benchtime 2s ./core/kms
	go test -run '^$$' -bench NewTestServer .
	bash tests/bench/run.sh
	cd tests && go run ./e2e/cmd/loadbench

## Regenerate the protobuf reference (internal/refpb) and the kmspb messages and tables from the .proto files, and the module's named exports (needs Debian's protobuf-compiler and protoc-gen-go v1.36.12).
generate:
	go generate ./core/kmspb
	go generate ./core/store
	go generate ./wasm/module
