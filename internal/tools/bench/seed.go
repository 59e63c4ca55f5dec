package main

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/todoapp/resetmail/internal/delivery"
	"github.com/todoapp/resetmail/internal/postgres/dbsqlc"
	"github.com/todoapp/resetmail/internal/redact"
	"github.com/todoapp/resetmail/internal/reset"
	"github.com/todoapp/resetmail/internal/tools/bench/benchsqlc"
)

// benchDomain is the domain of every account the harness creates.
const benchDomain = "example.com"

// userEmail is the address of the i-th account (1-based) that seedUsers
// creates. Every request in a run goes to its own account, so that the
// per-user throttle never applies and each mail can be matched to its
// request by recipient.
func userEmail(i int) string { return "bench-" + strconv.Itoa(i) + "@" + benchDomain }

// seedUsers creates n accounts, bench-1@example.com … bench-n@example.com.
func (s *scenario) seedUsers(ctx context.Context, n int) error {
	err := benchsqlc.New().InsertUsers(ctx, s.db.Pool, benchsqlc.InsertUsersParams{N: int32(n), Domain: benchDomain})
	if err != nil {
		return fmt.Errorf("seed %d users: %w", n, err)
	}
	return nil
}

// enqueueResets does, for each email, what forgot-password does (a
// reset_insert_request row and a River job with the same arguments and
// options), all in one transaction, as if that many requests were committed
// at once. It returns when the transaction committed.
func (s *scenario) enqueueResets(ctx context.Context, emails []string) (time.Time, error) {
	maxAttempts := s.h.apiDefaults.EmailMaxAttempts
	ttl := s.h.apiDefaults.ResetTokenTTL.Seconds()
	params := make([]river.InsertManyParams, len(emails))
	batch := &pgx.Batch{}
	queries := dbsqlc.New()
	for i, email := range emails {
		id, err := uuid.NewRandom()
		if err != nil {
			return time.Time{}, err
		}
		// The product's own statement, queued rather than run.
		if err := queries.ResetInsertRequest(ctx, batchQueue{batch}, dbsqlc.ResetInsertRequestParams{ID: id, Email: email, TtlSecs: ttl}); err != nil {
			return time.Time{}, err
		}
		params[i] = river.InsertManyParams{
			Args:       reset.SendResetArgs{RequestID: id, EmailMasked: redact.Email(email)},
			InsertOpts: &river.InsertOpts{Queue: delivery.QueueEmail, MaxAttempts: maxAttempts},
		}
	}
	err := pgx.BeginFunc(ctx, s.db.Pool, func(tx pgx.Tx) error {
		if err := tx.SendBatch(ctx, batch).Close(); err != nil {
			return fmt.Errorf("insert reset requests: %w", err)
		}
		if _, err := s.inserter.InsertManyFastTx(ctx, tx, params); err != nil {
			return fmt.Errorf("insert jobs: %w", err)
		}
		return nil
	})
	return time.Now(), err
}

// emails returns the addresses of accounts from..to (inclusive, 1-based).
func emails(from, to int) []string {
	out := make([]string, 0, to-from+1)
	for i := from; i <= to; i++ {
		out = append(out, userEmail(i))
	}
	return out
}

// jobStates counts the jobs of kind by state.
func (s *scenario) jobStates(ctx context.Context, kind string) (map[string]int, error) {
	rows, err := benchsqlc.New().JobStates(ctx, s.db.Pool, kind)
	return countsBy(rows, err, func(r benchsqlc.JobStatesRow) (string, int64) { return r.State, r.Jobs })
}

// outcomes counts reset requests by outcome.
func (s *scenario) outcomes(ctx context.Context) (map[string]int, error) {
	rows, err := benchsqlc.New().ResetOutcomes(ctx, s.db.Pool)
	return countsBy(rows, err, func(r benchsqlc.ResetOutcomesRow) (string, int64) { return r.Outcome, r.Requests })
}

// countsBy turns the rows of a grouped count query, or its error, into the
// counts by key that kv reads from each row.
func countsBy[R any](rows []R, err error, kv func(R) (string, int64)) (map[string]int, error) {
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range rows {
		k, n := kv(r)
		out[k] = int(n)
	}
	return out, nil
}

// waitCompleted polls until n jobs of kind are completed, and fails as soon
// as one ends in another final state: a benchmark that loses or fails mail
// has nothing to report.
func (s *scenario) waitCompleted(ctx context.Context, kind string, n int, timeout time.Duration) (time.Time, error) {
	deadline := time.Now().Add(timeout)
	for {
		st, err := s.jobStates(ctx, kind)
		if err != nil {
			return time.Time{}, err
		}
		if st["completed"] >= n {
			return time.Now(), nil
		}
		for _, bad := range []string{"cancelled", "discarded", "retryable"} {
			if st[bad] > 0 {
				return time.Time{}, fmt.Errorf("%d %s jobs of kind %s: %v", st[bad], bad, kind, st)
			}
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("after %s only %d of %d %s jobs completed: %v", timeout, st["completed"], n, kind, st)
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitDelivered waits until the sink accepted n messages and returns when
// the last of them was accepted.
func (s *scenario) waitDelivered(ctx context.Context, n int, timeout time.Duration) (time.Time, error) {
	wctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := s.sink.WaitForCount(wctx, n); err != nil {
		return time.Time{}, fmt.Errorf("sink accepted %d of %d messages within %s: %w", s.sink.Count(), n, timeout, err)
	}
	var last time.Time
	for _, m := range s.sink.Messages() {
		if m.At.After(last) {
			last = m.At
		}
	}
	return last, nil
}

// checkDelivery is the harness's own correctness check after a drain: every
// request delivered exactly once, every request recorded as sent, every job
// completed. A benchmark of a pipeline that lost or doubled mail would
// measure the wrong thing.
func (s *scenario) checkDelivery(ctx context.Context, want []string) error {
	if _, err := s.waitCompleted(ctx, reset.SendResetArgs{}.Kind(), len(want), time.Minute); err != nil {
		return err
	}
	got := map[string]int{}
	for _, m := range s.sink.Messages() {
		for _, to := range m.To {
			got[to]++
		}
	}
	for _, w := range want {
		if got[w] != 1 {
			return fmt.Errorf("%s received %d mails, want 1", w, got[w])
		}
	}
	if len(got) != len(want) {
		return fmt.Errorf("sink saw %d recipients, want %d", len(got), len(want))
	}
	oc, err := s.outcomes(ctx)
	if err != nil {
		return err
	}
	if oc["sent"] != len(want) {
		return fmt.Errorf("%d requests recorded as sent, want %d: %v", oc["sent"], len(want), oc)
	}
	return nil
}
