package mail

import (
	"context"
	"encoding/json"
	"net/http"
)

// ResendURL is Resend's public API.
const ResendURL = "https://api.resend.com"

// Resend sends through Resend's HTTPS API (POST /emails) with plain
// net/http: the API is one JSON call, and owning the client lets us keep
// connections alive, bound every call by the job's deadline and classify
// errors from the status and the documented error names.
type Resend struct {
	c   *apiClient
	key string
}

// NewResend validates cfg.
func NewResend(cfg APIConfig) (*Resend, error) {
	cfg = cfg.withDefaults(ResendURL)
	if err := cfg.validate(ProviderResend); err != nil {
		return nil, err
	}
	return &Resend{c: newAPIClient(ProviderResend, cfg), key: cfg.APIKey}, nil
}

// Name implements Provider.
func (r *Resend) Name() string { return ProviderResend }

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
func (r *Resend) Send(ctx context.Context, m Outgoing) error {
	f, err := messageFields(m.Message)
	if err != nil {
		return ComposeError(ProviderResend, err)
	}
	body := resendEmail{From: f.From, To: []string{f.To}, Subject: f.Subject, HTML: f.HTML, Text: f.Text}
	if len(f.Headers) > 0 {
		body.Headers = map[string]string{}
		for _, h := range f.Headers {
			body.Headers[h.Name] = h.Value
		}
	}
	h := r.header()
	if m.IdempotencyKey != "" {
		h.Set("Idempotency-Key", m.IdempotencyKey)
	}
	resp, se := r.c.call(ctx, http.MethodPost, "/emails", h, body)
	if se == nil && resp.status/100 != 2 {
		se = r.error(resp)
	}
	if se != nil {
		se.Recipient = maskAddresses(f.ToBare)
		return se
	}
	return nil
}

func (r *Resend) header() http.Header {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+r.key)
	return h
}

// error classifies a Resend error: 401/403 are the key or the domain
// (invalid_api_key, an unverified domain), 422 is this message, 429 is a
// rate limit unless it is a daily or monthly quota, which is the account's.
func (r *Resend) error(resp *apiResponse) *SendError {
	var e resendError
	_ = json.Unmarshal(resp.body, &e)
	se := r.c.statusError(resp, e.Name, e.Message)
	switch e.Name {
	case "daily_quota_exceeded", "monthly_quota_exceeded", "invalid_from_address", "invalid_idempotency_key":
		se.SetClass(ClassConfig)
	case "concurrent_idempotent_requests":
		// Another worker is sending this very mail right now.
		se.SetClass(ClassTransient)
	}
	return se
}

// Check proves the key without sending: GET /domains. A sending-only key
// answers 401 restricted_api_key, which proves it exists and can send.
func (r *Resend) Check(ctx context.Context) (string, error) {
	resp, se := r.c.call(ctx, http.MethodGet, "/domains", r.header(), nil)
	if se != nil {
		return "", se
	}
	if resp.status/100 == 2 {
		var list struct {
			Data []struct {
				Name   string `json:"name"`
				Status string `json:"status"`
			} `json:"data"`
		}
		_ = json.Unmarshal(resp.body, &list)
		out := "key valid (full access)"
		for _, d := range list.Data {
			out += "; domain " + d.Name + " " + d.Status
		}
		return out, nil
	}
	var e resendError
	_ = json.Unmarshal(resp.body, &e)
	if resp.status == http.StatusUnauthorized && e.Name == "restricted_api_key" {
		return "key valid (sending access only)", nil
	}
	return "", r.error(resp)
}
