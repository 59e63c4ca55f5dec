# The README's two commands are `make run` and `make test`.
SHELL := /usr/bin/env bash
GO ?= go
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: run test build mailpit vet fmt docker-check

## run: start Postgres if needed, migrate, and run api + worker + Mailpit (dev inbox at http://localhost:8025)
run: build mailpit
	.ci/dev-stack

## test: the whole test suite against the local Postgres, with the race detector
test:
	.ci/ensure-postgres test
	$(GO) test -race -count=1 ./...

## build: the two release binaries, into bin/, with the flags the Dockerfiles use (.ci/build-binary)
build:
	.ci/build-binary api bin/api
	.ci/build-binary worker bin/worker

## mailpit: the dev inbox, pinned in internal/tools/go.mod so it stays out of the app's go.mod
mailpit: bin/mailpit
bin/mailpit: internal/tools/go.mod
	cd internal/tools && $(GO) build -o ../../bin/mailpit github.com/axllent/mailpit

## bench: measure the reset pipeline against ceilings taken in the same run; writes docs/benchmarks.md (under 10 minutes)
.PHONY: bench
bench:
	.ci/bench-tools
	.ci/ensure-postgres test
	BENCH_COMMAND="make bench" $(GO) run ./internal/bench

## chaos: the fault drills (flaky SMTP, worker crashes, SMTP outage, Postgres restart, graceful deploy, bad input); writes docs/reliability.md (under 10 minutes)
.PHONY: chaos
chaos:
	.ci/ensure-postgres test
	CHAOS_COMMAND="make chaos" $(GO) run ./internal/chaos

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## docker-check: the packaging tests alone (Dockerfiles, compose, static binaries in an empty root; needs root)
docker-check:
	.ci/ensure-postgres test
	$(GO) test -race -count=1 -v ./internal/packaging/...
