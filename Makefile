# pocketkms: `make run` starts the server with the playground; `make test` runs every suite.
# Both do their own set-up (idempotent), so they work on a fresh machine.

SHELL      := /bin/bash
GOBIN      := $(shell go env GOPATH)/bin
GOWASM     := $(shell go env GOROOT)/lib/wasm
export PATH := $(GOBIN):$(GOWASM):$(PATH)
FUZZTIME   ?= 10s
DATA       ?= ./pocketkms-data

.PHONY: run test setup setup-go setup-npm setup-chromium build wasm bin \
	test-go test-wasm-core test-fuzz test-tests-module test-e2e test-node test-browser test-parity test-worker \
	bench generate

## run: build everything and start `pocketkms serve` (HTTPS on 127.0.0.1:9443, data in ./pocketkms-data).
run: setup-go build
	./bin/pocketkms serve --data $(DATA)

## test: every suite, as CI runs it.
test: setup build test-go test-wasm-core test-fuzz test-tests-module test-e2e test-node test-browser test-parity test-worker
	@echo "all suites passed"

setup: setup-go setup-npm setup-chromium

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

build: wasm bin

wasm:
	bash wasm/build.sh

bin:
	go build -trimpath -o bin/pocketkms ./host/cmd/pocketkms

## The core and hosts, natively.
test-go:
	go vet ./...
	go test -count=1 ./...
	go test -race -count=1 ./core/... ./host/sqlstore ./host/server ./host/seed ./host/clientkeys ./host/cmd/pocketkms
	go test -count=1 -tags pocketkms_protoonly -run TestProtoOnly ./core/kms

## The core's own tests inside WebAssembly: wasip1 under the wazero CLI, js under Node.
test-wasm-core:
	GOOS=wasip1 GOARCH=wasm GOWASIRUNTIME=wazero go test -count=1 ./core/...
	GOOS=js GOARCH=wasm go test -count=1 ./core/...

## Every parser is fuzzed, briefly, on every run (seed corpora are committed).
test-fuzz:
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./core/blob
	go test -run '^$$' -fuzz '^FuzzAdvanceDecrypt$$' -fuzztime $(FUZZTIME) ./core/kms
	go test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 3s ./host/seed
	go test -run '^$$' -fuzz '^FuzzSealedOpen$$' -fuzztime $(FUZZTIME) ./core/store
	go test -run '^$$' -fuzz '^FuzzParseAuthorization$$' -fuzztime $(FUZZTIME) ./host/server
	go test -run '^$$' -fuzz '^FuzzListPrefix$$' -fuzztime $(FUZZTIME) ./host/sqlstore
	go test -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME) ./host/server
	go test -run '^$$' -fuzz '^FuzzDecodeBatch$$' -fuzztime $(FUZZTIME) ./host/wasmhost
	go test -run '^$$' -fuzz '^FuzzDecodeList$$' -fuzztime $(FUZZTIME) ./wasm/module
	go test -run '^$$' -fuzz '^FuzzRenderRoundTrip$$' -fuzztime $(FUZZTIME) ./host/worker/d1seed
	go test -run '^$$' -fuzz '^FuzzRecordFromClientKey$$' -fuzztime $(FUZZTIME) ./host/clientkeys
	go test -run '^$$' -fuzz '^FuzzRecordFromCertificate$$' -fuzztime $(FUZZTIME) ./host/clientkeys
	go test -run '^$$' -fuzz '^FuzzParseRotationInterval$$' -fuzztime $(FUZZTIME) ./core/kms

## Wycheproof, parity and the end-to-end SDK suites (the tests/ module).
test-tests-module:
	cd tests && go vet ./... && go test -count=1 ./wycheproof/...

## The real binary driven by the official Go SDK v0.5.1, on the native and the wasm engine.
test-e2e:
	bash tests/e2e/run.sh

test-node:
	bash tests/node/run.sh

test-browser:
	bash tests/browser/run.sh

## One vector set on native, wazero, Node and Chromium (the Worker runs it in test-worker).
test-parity:
	PARITY_WORKER=0 bash tests/parity/run.sh

test-worker:
	bash tests/worker/run.sh

## Figures: the core's Go benchmarks, AdvanceEncrypt native/wazero/Node side by side, and the server under load.
bench: wasm
	go test -run '^$$' -bench . -benchtime 2s ./core/kms
	bash tests/bench/run.sh
	cd tests && go run ./e2e/cmd/loadbench

## Regenerate the protobuf code (needs Debian's protobuf-compiler and protoc-gen-go v1.36.12).
generate:
	go generate ./core/kmspb
