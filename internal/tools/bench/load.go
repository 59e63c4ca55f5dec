package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// reqResult is one request of a constant-rate run.
type reqResult struct {
	Email string
	// Scheduled is when the request was due. Latency counts from here, not
	// from when it was sent, so that a stalled client or server cannot hide
	// its own queueing (coordinated omission).
	Scheduled time.Time
	// Done is when the response arrived.
	Done   time.Time
	Status int
	Err    error
}

// Latency is from the scheduled start to the response.
func (r reqResult) Latency() time.Duration { return r.Done.Sub(r.Scheduled) }

// constantRate POSTs {"email": email(i)} to url at a steady rate for dur,
// each request on its own goroutine so that a slow answer never delays the
// next one (an open-loop load, as real users are). It waits for every
// answer before returning.
func constantRate(ctx context.Context, url string, perSecond float64, dur time.Duration, email func(i int) string) []reqResult {
	n := int(perSecond * dur.Seconds())
	interval := time.Duration(float64(time.Second) / perSecond)
	client := &http.Client{
		Timeout: 30 * time.Second,
		Transport: &http.Transport{
			MaxIdleConns:        1000,
			MaxIdleConnsPerHost: 1000,
			IdleConnTimeout:     30 * time.Second,
		},
	}
	defer client.CloseIdleConnections()
	results := make([]reqResult, n)
	var wg sync.WaitGroup
	start := time.Now().Add(50 * time.Millisecond)
	for i := range n {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-time.After(d):
			case <-ctx.Done():
				return results[:i]
			}
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := email(i)
			r := reqResult{Email: e, Scheduled: due}
			r.Status, r.Err = post(ctx, client, url, e)
			r.Done = time.Now()
			results[i] = r
		}()
	}
	wg.Wait()
	return results
}

func post(ctx context.Context, client *http.Client, url, email string) (int, error) {
	body := []byte(`{"email":"` + email + `"}`)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

// checkStatuses fails unless every request got want.
func checkStatuses(results []reqResult, want int) error {
	bad := map[string]int{}
	for _, r := range results {
		switch {
		case r.Err != nil:
			bad[r.Err.Error()]++
		case r.Status != want:
			bad[fmt.Sprintf("status %d", r.Status)]++
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("%d requests did not get %d: %v", len(results)-countOK(results, want), want, bad)
	}
	return nil
}

func countOK(results []reqResult, want int) int {
	n := 0
	for _, r := range results {
		if r.Err == nil && r.Status == want {
			n++
		}
	}
	return n
}

func latencies(results []reqResult) []time.Duration {
	out := make([]time.Duration, 0, len(results))
	for _, r := range results {
		out = append(out, r.Latency())
	}
	return out
}
