package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// fetchProfile takes a CPU profile of seconds from a worker started with
// WORKER_PPROF=true and saves it under dir.
func fetchProfile(ctx context.Context, addr string, seconds int, dir, name string) (*profile.Profile, string, error) {
	url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, seconds)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, "", err
	}
	client := &http.Client{Timeout: time.Duration(seconds+30) * time.Second}
	resp, err := client.Do(req)
	if err != nil {
		return nil, "", fmt.Errorf("fetch profile: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return nil, "", fmt.Errorf("fetch profile: %s: %s", resp.Status, b)
	}
	path := filepath.Join(dir, name)
	f, err := os.Create(path)
	if err != nil {
		return nil, "", err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return nil, "", err
	}
	if err := f.Close(); err != nil {
		return nil, "", err
	}
	raw, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	defer raw.Close()
	p, err := profile.Parse(raw)
	return p, path, err
}

// activity names a part of the worker's work, recognised by the functions
// on a sample's stack. The first rule that matches a sample wins, so the
// specific rules come before the general ones.
type activity struct {
	name  string
	match []string
}

// activities split a worker's CPU profile into what an operator can act on.
func activities() []activity {
	return []activity{
		{"render templates (html/template, text/template)", []string{"mail.(*Renderer)"}},
		{"compose the MIME message", []string{"mail.Compose"}},
		{"SMTP conversation (our client)", []string{"mail.(*Sender)"}},
		{"token HMAC and hash", []string{"reset.DeriveToken", "linktoken.Hash"}},
		{"our SQL: reset_prepare and reset_mark_sent (pgx)", []string{"delivery.SendLink"}},
		{"metrics and logging", []string{"prometheus", "log/slog"}},
		{"River: fetch, complete, notify (pgx)", []string{"riverqueue/river"}},
		{"garbage collector (background)", []string{"runtime.gcBgMarkWorker", "runtime.bgsweep", "runtime.bgscavenge"}},
		{"Go scheduler, timers and netpoll", []string{"runtime.schedule", "runtime.findRunnable", "runtime.netpoll", "runtime.mcall", "runtime.park_m", "runtime.sysmon"}},
	}
}

// activityShare is one row of the breakdown.
type activityShare struct {
	Name  string
	Share float64
}

// classify returns each activity's share of the profile's CPU samples.
// Shares are of the worker process's own CPU time; multiply by its cores
// to compare with the machine.
func classify(p *profile.Profile) []activityShare {
	valueIdx := len(p.SampleType) - 1 // cpu nanoseconds
	acts := activities()
	totals := map[string]int64{}
	var all int64
	for _, s := range p.Sample {
		v := s.Value[valueIdx]
		all += v
		name := "other"
	find:
		// Walk from the root (last location) to the leaf, so that the
		// outermost recognisable caller names the work: a malloc inside
		// rendering counts as rendering.
		for _, a := range acts {
			for li := len(s.Location) - 1; li >= 0; li-- {
				for _, line := range s.Location[li].Line {
					if line.Function == nil {
						continue
					}
					for _, m := range a.match {
						if strings.Contains(line.Function.Name, m) {
							name = a.name
							break find
						}
					}
				}
			}
		}
		totals[name] += v
	}
	var out []activityShare
	for k, v := range totals {
		out = append(out, activityShare{k, float64(v) / float64(max(all, 1))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Share > out[j].Share })
	return out
}

// topFunctions lists the n functions with the most flat CPU time.
func topFunctions(p *profile.Profile, n int) []activityShare {
	valueIdx := len(p.SampleType) - 1
	flat := map[string]int64{}
	var all int64
	for _, s := range p.Sample {
		v := s.Value[valueIdx]
		all += v
		if len(s.Location) == 0 || len(s.Location[0].Line) == 0 || s.Location[0].Line[0].Function == nil {
			continue
		}
		flat[s.Location[0].Line[0].Function.Name] += v
	}
	var out []activityShare
	for k, v := range flat {
		out = append(out, activityShare{k, float64(v) / float64(max(all, 1))})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Share > out[j].Share })
	if len(out) > n {
		out = out[:n]
	}
	return out
}
