package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// owner registers an account, logs it in and creates a task, so that the
// authenticated endpoints get past authentication to their own parsing.
func (st *Stack) owner(ctx context.Context, email string) (string, int64, error) {
	token, err := st.registerAndLogin(ctx, email)
	if err != nil {
		return "", 0, err
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+st.api.Addr+"/api/tasks", strings.NewReader(`{"title":"drill"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	status, raw, err := st.do(req)
	if err != nil || status != http.StatusCreated {
		return "", 0, fmt.Errorf("create task: %d %s %v", status, raw, err)
	}
	var body struct {
		Task struct {
			ID int64 `json:"id"`
		} `json:"task"`
	}
	if err := json.Unmarshal(raw, &body); err != nil {
		return "", 0, err
	}
	return token, body.Task.ID, nil
}

// registerAndLogin creates an account through the API and returns an access
// token for it.
func (st *Stack) registerAndLogin(ctx context.Context, email string) (string, error) {
	const password = "correct horse battery staple"
	status, raw, err := st.post(ctx, "/api/auth/register", map[string]string{"email": email, "password": password, "name": "Ada"})
	if err != nil || status != http.StatusCreated {
		return "", fmt.Errorf("register: %d %s %v", status, raw, err)
	}
	status, raw, err = st.post(ctx, "/api/auth/login", map[string]string{"email": email, "password": password})
	if err != nil || status != http.StatusOK {
		return "", fmt.Errorf("login: %d %s %v", status, raw, err)
	}
	var body struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(raw, &body); err != nil || body.AccessToken == "" {
		return "", fmt.Errorf("login answered %s", raw)
	}
	return body.AccessToken, nil
}

// normalResult is how a plain register, forgot-password, mail and verify
// went.
type normalResult struct {
	took time.Duration
	err  error
}

func (n normalResult) describe() string {
	if n.err != nil {
		return "FAILED: " + n.err.Error()
	}
	return fmt.Sprintf("register, login, forgot-password 202, mail received, link verified (%s)", roundDuration(n.took))
}

// normalReset does what a real user does and checks that each step works.
func (st *Stack) normalReset(ctx context.Context, email string) normalResult {
	start := time.Now()
	if _, err := st.registerAndLogin(ctx, email); err != nil {
		return normalResult{err: err}
	}
	if a := st.forgot(ctx, email); a.Status != http.StatusAccepted {
		return normalResult{err: fmt.Errorf("forgot-password: %d %v", a.Status, a.Err)}
	}
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		for _, m := range st.sink.Messages() {
			if len(m.To) == 1 && strings.EqualFold(m.To[0], email) {
				ok, err := st.verify(ctx, tokenOf(m))
				if err != nil || !ok {
					return normalResult{err: fmt.Errorf("the link in the mail does not work (%v)", err)}
				}
				return normalResult{took: time.Since(start)}
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	return normalResult{err: fmt.Errorf("no mail within a minute")}
}
