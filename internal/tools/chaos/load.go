package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// sent is the API's answer to one forgot-password request.
type sent struct {
	// Email is the address asked for; every request in a drill has its own.
	Email string
	// Status is the HTTP status, or 0 when no answer came back.
	Status int
	// At is when the answer arrived.
	At time.Time
	// Err is the transport error, if any.
	Err error
}

// post sends body as JSON and returns the status and the response body.
func (st *Stack) post(ctx context.Context, path string, body any) (int, []byte, error) {
	buf, err := json.Marshal(body)
	if err != nil {
		return 0, nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+st.api.Addr+path, bytes.NewReader(buf))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	return st.do(req)
}

// get fetches path from the API.
func (st *Stack) get(ctx context.Context, path string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+st.api.Addr+path, nil)
	if err != nil {
		return 0, nil, err
	}
	return st.do(req)
}

func (st *Stack) do(req *http.Request) (int, []byte, error) {
	resp, err := st.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

// forgot asks for a reset mail for email.
func (st *Stack) forgot(ctx context.Context, email string) sent {
	status, _, err := st.post(ctx, "/api/auth/forgot-password", map[string]string{"email": email})
	return sent{Email: email, Status: status, At: time.Now(), Err: err}
}

// verify reports whether the API accepts token as a live reset link,
// without consuming it.
func (st *Stack) verify(ctx context.Context, token string) (bool, error) {
	status, raw, err := st.post(ctx, "/api/auth/reset-password/verify", map[string]string{"token": token})
	if err != nil {
		return false, err
	}
	if status != http.StatusOK {
		return false, nil
	}
	var body struct {
		Valid bool `json:"valid"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return false, fmt.Errorf("verify answered %s", raw)
	}
	return body.Valid, nil
}

// load sends one forgot-password request per address with conc clients. A
// positive rate paces the requests at that many per second, so that a drill
// can inject its fault while requests are still arriving; zero sends them
// as fast as the API answers.
func (st *Stack) load(ctx context.Context, emails []string, conc int, rate float64) []sent {
	out := make([]sent, len(emails))
	fanOut(ctx, len(emails), conc, rate, func(i int) { out[i] = st.forgot(ctx, emails[i]) })
	return out
}

// fanOut calls do(i) for every i below n from conc goroutines and returns
// when every call has returned. A positive rate starts the calls at that
// many per second; zero starts each as soon as a goroutine is free. Once
// ctx ends, no more calls start.
func fanOut(ctx context.Context, n, conc int, rate float64, do func(i int)) {
	next := make(chan int)
	go func() {
		defer close(next)
		start := time.Now()
		for i := range n {
			if rate > 0 {
				due := start.Add(time.Duration(float64(i) / rate * float64(time.Second)))
				if d := time.Until(due); d > 0 {
					select {
					case <-time.After(d):
					case <-ctx.Done():
						return
					}
				}
			}
			select {
			case next <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for range conc {
		wg.Go(func() {
			for i := range next {
				do(i)
			}
		})
	}
	wg.Wait()
}

// statusCounts tallies answers by status; 0 counts transport errors.
func statusCounts(answers []sent) map[int]int {
	out := map[int]int{}
	for _, a := range answers {
		out[a.Status]++
	}
	return out
}

// acceptedAt maps every address the API answered 202 for to when it did.
func acceptedAt(answers []sent) map[string]time.Time {
	out := make(map[string]time.Time, len(answers))
	for _, a := range answers {
		if a.Status == http.StatusAccepted {
			out[a.Email] = a.At
		}
	}
	return out
}
