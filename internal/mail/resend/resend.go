// Package resend sends mail through Resend's HTTPS API (POST /emails).
package resend

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
)

// URL is Resend's public API.
const URL = "https://api.resend.com"

// Resend sends through Resend's HTTPS API (POST /emails) with plain
// net/http: the API is one JSON call, and owning the client lets us keep
// connections alive, bound every call by the job's deadline and classify
// errors from the status and the documented error names.
type Resend struct {
	c   *apiclient.Client
	key string
}

// New validates cfg.
func New(cfg apiclient.Config) (*Resend, error) {
	c, err := apiclient.New(mail.ProviderResend, URL, cfg)
	if err != nil {
		return nil, err
	}
	return &Resend{c: c, key: c.Config().APIKey}, nil
}

// Name implements Provider.
func (r *Resend) Name() string { return mail.ProviderResend }

type resendEmail struct {
	From    string            `json:"from"`
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	HTML    string            `json:"html,omitempty"`
	Text    string            `json:"text,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
}

// resendError is Resend's documented error body.
type resendError struct {
	StatusCode int    `json:"statusCode"`
	Name       string `json:"name"`
	Message    string `json:"message"`
}

// Send implements Provider. The Idempotency-Key header makes a repeat of
// the same key within 24 hours return the first email's id without sending
// again, so a crash between Resend's 200 and our record of it costs no
// duplicate.
func (r *Resend) Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error) {
	h := r.header()
	if m.IdempotencyKey != "" {
		h.Set("Idempotency-Key", m.IdempotencyKey)
	}
	return r.c.Send(ctx, m.Message, "/emails", h, email, r.read)
}

func email(f *mail.Fields) any {
	body := resendEmail{From: f.From, To: []string{f.To}, Subject: f.Subject, HTML: f.HTML, Text: f.Text}
	if len(f.Headers) > 0 {
		body.Headers = map[string]string{}
		for _, h := range f.Headers {
			body.Headers[h.Name] = h.Value
		}
	}
	return body
}

// read takes the email's id, what Resend's webhooks carry as
// data.email_id, from a 2xx answer.
func (r *Resend) read(resp *apiclient.Response) (string, *mail.SendError) {
	if resp.Status/100 != 2 {
		return "", r.error(resp)
	}
	var ok struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(resp.Body, &ok)
	return ok.ID, nil
}

func (r *Resend) header() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+r.key)
	return h
}

// testModeRefusal is how Resend, in test mode (no verified domain),
// refuses every recipient but the account owner's address: 403
// validation_error with this text.
const testModeRefusal = "only send testing emails to your own email address"

// error classifies a Resend error: 401/403 are the key or the domain
// (invalid_api_key, an unverified domain), 422 is this message, 429 is a
// rate limit unless it is a daily or monthly quota, which is the account's.
// Test mode's 403 is this recipient's refusal, not the configuration's: as
// a configuration problem it paused all sending, so that a stranger's
// sign-up in a sandboxed deployment stopped every reset (issue 23, item 10).
func (r *Resend) error(resp *apiclient.Response) *mail.SendError {
	var e resendError
	_ = json.Unmarshal(resp.Body, &e)
	if resp.Status == http.StatusForbidden && strings.Contains(e.Message, testModeRefusal) {
		se := r.c.StatusError(resp, e.Name, e.Message)
		se.SetClass(mail.ClassRejected)
		return se
	}
	return r.c.CodedError(resp, e.Name, e.Message, apiclient.CodeClasses{
		mail.ClassConfig: {"daily_quota_exceeded", "monthly_quota_exceeded", "invalid_from_address", "invalid_idempotency_key"},
		// Another worker is sending this very mail right now.
		mail.ClassTransient: {"concurrent_idempotent_requests"},
	})
}

// Check proves the key without sending: GET /domains. A sending-only key
// answers 401 restricted_api_key, which proves it exists and can send.
func (r *Resend) Check(ctx context.Context) (string, error) {
	resp, se := r.c.Call(ctx, http.MethodGet, "/domains", r.header(), nil)
	if se != nil {
		return "", se
	}
	if resp.Status/100 == 2 {
		var list struct {
			Data []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"data"`
		}
		_ = json.Unmarshal(resp.Body, &list)
		out := "key valid (full access)"
		for _, d := range list.Data {
			out += "; domain " + d.Name + " " + d.Status
		}
		return out, nil
	}
	var e resendError
	_ = json.Unmarshal(resp.Body, &e)
	if resp.Status == http.StatusUnauthorized && e.Name == "restricted_api_key" {
		return "key valid (sending access only)", nil
	}
	return "", r.error(resp)
}
