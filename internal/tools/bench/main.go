// Command bench is `make bench`: it measures the password-reset pipeline on
// this machine and writes the figures into docs/benchmarks.md. Every
// headline figure is a ratio against a ceiling measured in the same run,
// because the machine is shared and its absolute speed varies from run to
// run.
//
//	make bench                # every figure, about 8 minutes; builds bin/bench
//	bin/bench                 # the same, once built
//	bin/bench -only 1,4       # some figures
//	bin/bench -out ''         # print, do not touch the docs
//	bin/bench -only 1 -out '' -worker-env 'WORKER_CONCURRENCY=100 GOGC=100'
//	                          # other worker settings; the report says which
//
// It builds the real api and worker binaries and runs them as processes
// against the local Postgres (TEST_DATABASE_URL, as the tests use) and an
// in-process SMTP sink, each measurement on a fresh database.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/todoapp/resetmail/internal/stack"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run() error {
	only := flag.String("only", "", "comma-separated figure numbers to run (default all)")
	out := flag.String("out", "docs/benchmarks.md", "report to update between the bench markers; empty prints only")
	profileDir := flag.String("profile-dir", "", "keep the worker's CPU profile here (default: a temporary directory)")
	coldRuns := flag.Int("cold-runs", 0, "run only figure 1's cold start, this many times, and print each run and the median (for comparing changes; writes no report)")
	workerEnv := flag.String("worker-env", "", "space-separated KEY=VALUE pairs set on every worker process, to measure settings other than the defaults (e.g. 'WORKER_CONCURRENCY=100 GOGC=100')")
	flag.Parse()

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	want := map[string]bool{}
	for _, f := range strings.Split(*only, ",") {
		if f = strings.TrimSpace(f); f != "" {
			want[f] = true
		}
	}
	binDir, err := os.MkdirTemp("", "resetmail-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	if *profileDir == "" {
		*profileDir = binDir
	}
	started := time.Now()
	wenv, err := parseEnv(*workerEnv)
	if err != nil {
		return err
	}
	h, err := newHarness(ctx, binDir, fullSizes(), wenv, os.Stderr)
	if err != nil {
		return err
	}
	h.profileDir = *profileDir
	if *coldRuns > 0 {
		return h.coldRuns(ctx, *coldRuns)
	}
	meta, err := runMeta(os.Args)
	if err != nil {
		return err
	}
	var sections []section
	for _, fig := range figures() {
		if len(want) > 0 && !want[fig.id] {
			continue
		}
		h.logf("figure %s: %s", fig.id, fig.title)
		stamp := meta.stamp()
		body, err := fig.run(h, ctx)
		if err != nil {
			return fmt.Errorf("figure %s (%s): %w", fig.id, fig.title, err)
		}
		sec := section{marker: fig.marker, title: fig.title, body: stamp + "\n" + body}
		fmt.Println(sec.markdown())
		sections = append(sections, sec)
	}
	h.logf("all figures done in %s", time.Since(started).Round(time.Second))
	if *out == "" {
		return nil
	}
	return updateReport(*out, sections)
}

// parseEnv reads -worker-env's "KEY=VALUE KEY=VALUE".
func parseEnv(s string) (stack.Env, error) {
	env := stack.Env{}
	for _, kv := range strings.Fields(s) {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("-worker-env: %q is not KEY=VALUE", kv)
		}
		env[k] = v
	}
	return env, nil
}
