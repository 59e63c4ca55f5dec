// Command chaos runs the fault drills: the real api and worker binaries, as
// separate processes, against real Postgres and an in-process SMTP sink that
// injects faults. Each drill finishes on its own and prints lost,
// duplicates, delivered and time to drain; `make chaos` runs them all and
// writes the figures into docs/reliability.md.
//
//	make chaos                # builds bin/chaos and runs every drill
//	bin/chaos [-short] [-drill name[,name…]] [-doc path]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/todoapp/resetmail/internal/stack"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "chaos:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	fl := flag.NewFlagSet("chaos", flag.ContinueOnError)
	fl.SetOutput(stderr)
	short := fl.Bool("short", false, "run each drill at CI size: a few hundred messages, shorter outages")
	only := fl.String("drill", "", "comma-separated drills to run (default all): "+strings.Join(drillNames(), ", "))
	doc := fl.String("doc", "docs/reliability.md", "write figures into this file between its markers; empty to skip")
	if err := fl.Parse(args); err != nil {
		return err
	}
	selected, err := selectDrills(*only)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
	defer cancel()

	meta := newRunMeta(args)
	s := &Suite{Short: *short, Progress: stderr}
	dir, err := os.MkdirTemp("", "resetmail-chaos-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	s.logf("build", "building api and worker")
	if s.Bins, err = stack.Build(ctx, dir); err != nil {
		return err
	}

	sections := map[string]string{}
	titles := map[string]string{}
	var failed []string
	for _, d := range selected {
		titles[d.Name] = d.Title
		s.logf(d.Name, "start")
		began := time.Now()
		res, err := s.run(ctx, d)
		if err != nil {
			s.logf(d.Name, "could not complete after %s: %v", roundDuration(time.Since(began)), err)
			failed = append(failed, d.Name)
			sections[d.Name] = fmt.Sprintf("Attempted %s at commit `%s` with `%s`; the drill could not complete: %s\n", meta.Date, meta.Commit, meta.Command, mdEscape(err.Error()))
			continue
		}
		s.logf(d.Name, "done in %s", roundDuration(time.Since(began)))
		res.Print(stdout)
		if !res.Passed() {
			failed = append(failed, d.Name)
		}
		sections[d.Name] = res.Markdown(meta)
	}
	if *doc != "" && !*short {
		order := make([]string, 0, len(selected))
		for _, d := range selected {
			order = append(order, d.Name)
		}
		if err := updateDoc(*doc, sections, titles, order); err != nil {
			return fmt.Errorf("write %s: %w", *doc, err)
		}
		fmt.Fprintf(stdout, "\nfigures written to %s\n", *doc)
	}
	if len(failed) > 0 {
		return fmt.Errorf("drills failed: %s", strings.Join(failed, ", "))
	}
	return nil
}

func drillNames() []string {
	var out []string
	for _, d := range drills() {
		out = append(out, d.Name)
	}
	return out
}

// selectDrills resolves -drill; empty means every drill.
func selectDrills(only string) ([]Drill, error) {
	all := drills()
	if only == "" {
		return all, nil
	}
	want := strings.Split(only, ",")
	var out []Drill
	for _, d := range all {
		if slices.Contains(want, d.Name) {
			out = append(out, d)
		}
	}
	if len(out) != len(want) {
		return nil, fmt.Errorf("unknown drill in %q; choose from %s", only, strings.Join(drillNames(), ", "))
	}
	return out, nil
}
