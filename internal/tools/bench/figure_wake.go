package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// wakeToken is the bench's WORKER_WAKE_TOKEN; it protects nothing.
const wakeToken = "bench-only-wake-token-0123456789abcdefghij"

// figHibernation measures what WORKER_IDLE_AFTER is for: the database
// transactions of an idle API and worker, awake (the default) and asleep,
// and how long a forgot-password takes to reach the inbox when it has to
// wake a sleeping worker first.
func (h *harness) figHibernation(ctx context.Context) (string, error) {
	sz := h.sizes
	h.logf("  idle transactions in %s, hibernation off", sz.IdleWindow)
	awake, err := h.idleTransactions(ctx, false)
	if err != nil {
		return "", err
	}
	h.logf("  idle transactions in %s, hibernation on: %d awake", sz.IdleWindow, awake)
	asleep, err := h.idleTransactions(ctx, true)
	if err != nil {
		return "", err
	}
	h.logf("  asleep: %d; now %d forgot-password requests, each to a sleeping worker", asleep, sz.WakeRounds)
	inbox, awakeFor, err := h.wakeRounds(ctx, sz.WakeRounds)
	if err != nil {
		return "", err
	}
	d, a := summarize(inbox), summarize(awakeFor)
	h.logf("  wake to inbox p50 %s p99 %s", ms(d.P50), ms(d.P99))
	var b strings.Builder
	fmt.Fprintf(&b, "| an idle API and worker, %s | database transactions |\n|---|---:|\n", sz.IdleWindow)
	fmt.Fprintf(&b, "| worker awake (`WORKER_IDLE_AFTER=0`, the default) | %d |\n", awake)
	fmt.Fprintf(&b, "| worker asleep (`WORKER_IDLE_AFTER=%s`) | **%d** |\n\n", sz.WakeIdleAfter, asleep)
	fmt.Fprintf(&b, "| forgot-password to the sink's acceptance, worker asleep | p50 | p99 | max |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| %d wakes | **%s** | **%s** | **%s** |\n\n", d.N, ms(d.P50), ms(d.P99), ms(d.Max))
	fmt.Fprintf(&b, "p99 under 1 s (goal): %s.\n\n", verdict(d.P99 < time.Second))
	fmt.Fprintf(&b, "Transactions are `xact_commit + xact_rollback` of the scenario's own database in `pg_stat_database`, read from another database, over %s: awake after a 15 s warm-up, asleep once the count had not moved for %s (Postgres reports a backend's counts up to 10 s late). The API ran beside the worker, with nobody calling it. ", sz.IdleWindow, sz.IdleSettle)
	fmt.Fprintf(&b, "For the wakes, the API had `WORKER_WAKE_URLS` pointing at the worker (`WORKER_IDLE_AFTER=%s`, `RESET_EMAIL_INTERVAL=0s`, otherwise %s); each round waited until the worker's /readyz said asleep, then sent one POST /api/auth/forgot-password for an account and timed it, from sending the request, until the sink accepted the mail: the API's commit, its wake call, River's start (a database connection, leader election, the first fetch), and the send. ", sz.WakeIdleAfter, h.settingsLine())
	fmt.Fprintf(&b, "After each mail the worker stayed awake %s (p50; p99 %s) from its wake to its sleep: WORKER_IDLE_AFTER after the last job, plus the send and the stop.\n", ms(a.P50), ms(a.P99))
	return b.String(), nil
}

// idleTransactions runs an API and a worker on a fresh database and counts
// the transactions while neither has anything to do.
func (h *harness) idleTransactions(ctx context.Context, hibernate bool) (int64, error) {
	s, err := h.newScenario(ctx, &smtptest.Options{Discard: true}, 0)
	if err != nil {
		return 0, err
	}
	defer s.close()
	extra := []string{}
	if hibernate {
		extra = append(extra, "WORKER_IDLE_AFTER", h.sizes.WakeIdleAfter.String())
	}
	if _, err := s.startAPI(ctx); err != nil {
		return 0, err
	}
	workers, err := s.startWorkers(ctx, 1, extra...)
	if err != nil {
		return 0, err
	}
	s.db.Pool.Reset()
	if !hibernate {
		time.Sleep(h.sizes.IdleWarmup)
		return s.db.TransactionsDuring(ctx, 0, h.sizes.IdleWindow)
	}
	if err := waitAsleep(ctx, workers[0].Addr); err != nil {
		return 0, err
	}
	return s.db.TransactionsDuring(ctx, h.sizes.IdleSettle, h.sizes.IdleWindow)
}

// wakeRounds times n forgot-password requests, each sent to a sleeping
// worker, until the mail is in the sink, and how long the worker stayed
// awake each time.
func (h *harness) wakeRounds(ctx context.Context, n int) (inbox, awakeFor []time.Duration, err error) {
	s, err := h.newScenario(ctx, &smtptest.Options{}, n)
	if err != nil {
		return nil, nil, err
	}
	defer s.close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	addr := ln.Addr().String()
	_ = ln.Close()
	wakeEnv := []string{"WORKER_WAKE_TOKEN", wakeToken}
	api, err := s.startAPI(ctx, append(wakeEnv, "WORKER_WAKE_URLS", "http://"+addr+"/wake")...)
	if err != nil {
		return nil, nil, err
	}
	workers, err := s.startWorkers(ctx, 1, append(wakeEnv, "WORKER_HTTP_ADDR", addr,
		"WORKER_IDLE_AFTER", h.sizes.WakeIdleAfter.String(), "RESET_EMAIL_INTERVAL", "0s")...)
	if err != nil {
		return nil, nil, err
	}
	client := &http.Client{Timeout: 10 * time.Second}
	for i := 1; i <= n; i++ {
		if err := waitAsleep(ctx, workers[0].Addr); err != nil {
			return nil, nil, err
		}
		body := `{"email":"` + userEmail(i) + `"}`
		start := time.Now()
		resp, err := client.Post("http://"+api.Addr+"/api/auth/forgot-password", "application/json", strings.NewReader(body))
		if err != nil {
			return nil, nil, err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusAccepted {
			return nil, nil, fmt.Errorf("forgot-password answered %d", resp.StatusCode)
		}
		if _, err := s.waitDelivered(ctx, i, time.Minute); err != nil {
			return nil, nil, err
		}
		inbox = append(inbox, s.sink.Messages()[i-1].At.Sub(start))
	}
	if err := waitAsleep(ctx, workers[0].Addr); err != nil {
		return nil, nil, err
	}
	var woke time.Time
	for _, line := range strings.Split(workers[0].Output(), "\n") {
		var rec struct {
			Time time.Time `json:"time"`
			Msg  string    `json:"msg"`
		}
		if json.Unmarshal([]byte(line), &rec) != nil {
			continue
		}
		switch rec.Msg {
		case "worker awake":
			woke = rec.Time
		case "worker asleep":
			if !woke.IsZero() {
				awakeFor = append(awakeFor, rec.Time.Sub(woke))
			}
		}
	}
	return inbox, awakeFor, nil
}

// waitAsleep polls a worker's /readyz, which does not wake it, until it
// says asleep.
func waitAsleep(ctx context.Context, addr string) error {
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(2 * time.Minute)
	for time.Now().Before(deadline) {
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			var body map[string]any
			_ = json.NewDecoder(resp.Body).Decode(&body)
			_ = resp.Body.Close()
			if body["state"] == "asleep" {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
	}
	return fmt.Errorf("the worker at %s did not fall asleep within 2 minutes", addr)
}
