package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/todoapp/resetmail/internal/tools/chaos/chaossqlc"
)

// seedUsers creates an account for every address in one statement. The
// password is random and never used: drills verify links, they do not log in.
func (st *Stack) seedUsers(ctx context.Context, addrs []string) error {
	hash, err := bcrypt.GenerateFromPassword([]byte(rand.Text()), bcrypt.MinCost)
	if err != nil {
		return err
	}
	names := make([]string, len(addrs))
	for i := range names {
		names[i] = fmt.Sprintf("Drill User %d", i)
	}
	return chaossqlc.New().InsertUsers(ctx, st.db.Pool, chaossqlc.InsertUsersParams{Emails: addrs, Names: names, PasswordHash: string(hash)})
}

// unfinished counts jobs that can still run.
func (st *Stack) unfinished(ctx context.Context) (int, error) {
	n, err := chaossqlc.New().UnfinishedJobs(ctx, st.db.Pool)
	return int(n), err
}

// waitDrained polls until no job can run any more and returns when that was
// first seen. It gives up at limit: a drill must finish on its own, and a
// queue that never drains is itself the finding.
func (st *Stack) waitDrained(ctx context.Context, limit time.Duration) (time.Time, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := st.unfinished(ctx)
		if err == nil && n == 0 {
			return time.Now(), nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, fmt.Errorf("queue not drained within %s: %d jobs unfinished (last error: %v)", limit, n, err)
		case <-tick.C:
		}
	}
}

// jobOutcome is what happened to one reset request.
type jobOutcome struct {
	// State is the River job's state: completed, cancelled, discarded….
	State string
	// Attempts is how many times the job ran.
	Attempts int
	// Outcome is the request's recorded outcome: sent, failed, no_account….
	Outcome string
	// LastError is the job's latest error text, or "".
	LastError string
	// Rescued is true when River's rescuer re-queued the job after its
	// worker died.
	Rescued bool
}

// outcomes returns every reset request's outcome by address.
func (st *Stack) outcomes(ctx context.Context) (map[string]jobOutcome, error) {
	rows, err := chaossqlc.New().JobOutcomes(ctx, st.db.Pool)
	if err != nil {
		return nil, err
	}
	out := map[string]jobOutcome{}
	for _, r := range rows {
		out[r.Email] = jobOutcome{State: r.State, Attempts: int(r.Attempt), Outcome: r.Outcome, LastError: r.LastError, Rescued: r.Rescued}
	}
	return out, nil
}

// clientJobs counts unfinished jobs by River client ID and state.
func (st *Stack) clientJobs(ctx context.Context) (map[string]map[string]int, error) {
	rows, err := chaossqlc.New().UnfinishedByClient(ctx, st.db.Pool)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string]int{}
	for _, r := range rows {
		if out[r.ClientID] == nil {
			out[r.ClientID] = map[string]int{}
		}
		out[r.ClientID][r.State] = int(r.Jobs)
	}
	return out, nil
}

// jobsOf counts w's unfinished jobs in state.
func (st *Stack) jobsOf(ctx context.Context, w *workerProc, state string) (int, error) {
	byClient, err := st.clientJobs(ctx)
	if err != nil {
		return 0, err
	}
	n := 0
	for id, states := range byClient {
		if w.owns(id) {
			n += states[state]
		}
	}
	return n, nil
}

// finishedSince counts jobs w finished at or after since, by final state.
func (st *Stack) finishedSince(ctx context.Context, w *workerProc, since time.Time) (map[string]int, error) {
	rows, err := chaossqlc.New().FinishedByClientSince(ctx, st.db.Pool, since)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	for _, r := range rows {
		if w.owns(r.ClientID) {
			out[r.State] += int(r.Jobs)
		}
	}
	return out, nil
}
