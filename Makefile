# The README's two commands are `make run` and `make test`.
SHELL := /usr/bin/env bash
GO ?= go
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: run test build mailpit webdev vet fmt docker-check

## run: start Postgres if needed, migrate, and run api + worker + Mailpit (dev inbox at http://localhost:8025) + the web app (http://localhost:3000)
run: announce-build build mailpit webdev
	.ci/dev-stack

# The first `make run` compiles for a few minutes before anything listens;
# say so, rather than sit silent.
.PHONY: announce-build
announce-build:
	@echo "make run: building bin/api and bin/worker (go build, about 1-2 min the first time), bin/mailpit with its inbox UI (npm ci + npm run build + go build, about 3 min the first time) and bin/webdev; later runs take seconds." >&2

## test: the whole test suite against the local Postgres, with the race detector
test:
	.ci/ensure-postgres test
	$(GO) test -race -count=1 ./...
	cd internal/tools && $(GO) test -race -count=1 ./webdev/... ./bench/... ./chaos/...

## build: the two release binaries, into bin/, with the flags the Dockerfiles use (.ci/build-binary)
build:
	.ci/build-binary api bin/api
	.ci/build-binary worker bin/worker

## check-mail: the runbook's `worker check-mail` with the dev settings of `make run` (.ci/dev-env, ./.env on top); pass flags with ARGS="--send-to you@example.com"
.PHONY: check-mail
check-mail: build
	bash -c '. .ci/dev-env && exec bin/worker check-mail $(ARGS)'

## sqlc: regenerate the typed query code from sql/ (sql/sqlc.yaml); sqlc is pinned in internal/tools/go.mod
.PHONY: sqlc sqlc-check
sqlc: bin/sqlc
	cd sql && ../bin/sqlc generate

## sqlc-check: fail when the committed generated code differs from what sql/ generates (CI runs it)
sqlc-check: bin/sqlc
	cd sql && ../bin/sqlc diff

bin/sqlc: internal/tools/go.mod
	cd internal/tools && $(GO) build -o ../../bin/sqlc github.com/sqlc-dev/sqlc/cmd/sqlc

## mailpit: the dev inbox with its web UI, at the version pinned in internal/tools/go.mod (so it stays out of the app's go.mod); .ci/build-mailpit builds the UI bundle the Go module lacks with npm
mailpit: bin/mailpit
bin/mailpit: internal/tools/go.mod .ci/build-mailpit
	.ci/build-mailpit bin/mailpit

## webdev: the dev server for web/ (Go's net/http imitating Vercel's cleanUrls and vercel.json headers), in the tools module
webdev:
	cd internal/tools && $(GO) build -o ../../bin/webdev ./webdev

## screenshots: every page of web/ at desktop and phone widths into docs/images/web-*.png, from the browser journey, plus the Mailpit inbox and a German page (needs chromium)
.PHONY: screenshots
screenshots:
	.ci/web-test-deps
	.ci/ensure-postgres test
	WEB_SCREENSHOTS_DIR=$(CURDIR)/docs/images $(GO) test -count=1 -run 'TestJourney|TestGermanBrowser' ./internal/webtest/

## bench: measure the reset pipeline against ceilings taken in the same run; writes docs/benchmarks.md (under 10 minutes)
.PHONY: bench
bench:
	.ci/bench-tools
	.ci/ensure-postgres test
	cd internal/tools && $(GO) build -o ../../bin/bench ./bench
	BENCH_COMMAND="make bench" bin/bench

## chaos: the fault drills (flaky SMTP, worker crashes, SMTP outage, Postgres restart, graceful deploy, bad input); writes docs/reliability.md (under 10 minutes)
.PHONY: chaos
chaos:
	.ci/ensure-postgres test
	cd internal/tools && $(GO) build -o ../../bin/chaos ./chaos
	CHAOS_COMMAND="make chaos" bin/chaos

vet:
	$(GO) vet ./...

fmt:
	gofmt -w $$(git ls-files '*.go')

## docker-test: build both images with BuildKit and run them for real (hardened docker run, compose with 3 workers); installs and starts Docker if needed (needs root)
.PHONY: docker-test
docker-test:
	.ci/ensure-docker
	.ci/docker-images
	DOCKER_TESTS=1 $(GO) test -count=1 -timeout 40m -v -run '^TestContainer' ./internal/packaging/ 2>&1 | .ci/docker-summary

## docker-check: the packaging tests alone (Dockerfiles, compose, static binaries in an empty root; needs root)
docker-check:
	.ci/ensure-postgres test
	$(GO) test -race -count=1 -v ./internal/packaging/...
