// Package graph sends mail through Microsoft Graph's sendMail
// (MAIL_PROVIDER=graph), for Microsoft 365 mailboxes where SMTP AUTH is off
// or SMTP ports are blocked: POST /v1.0/users/{MAIL_FROM}/sendMail over
// HTTPS with an app-only token of the client-credentials grant (scope
// https://graph.microsoft.com/.default, application permission Mail.Send).
//
// The message goes in Graph's MIME form (Content-Type text/plain, the
// RFC 5322 bytes of mail.Compose in base64), so Graph delivers the same
// multipart/alternative text and HTML parts and headers as SMTP would; its
// JSON form carries one body only. Graph answers 202 Accepted and keeps a
// copy in the mailbox's Sent Items.
package graph

import (
	"context"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
	"github.com/todoapp/resetmail/internal/mail/oauth"
	"github.com/todoapp/resetmail/internal/redact"
)

// URL is Graph's public base URL; MAIL_API_URL overrides it (tests).
const URL = "https://graph.microsoft.com"

// Config configures New.
type Config struct {
	// Tokens gives the app-only access token. Required.
	Tokens *oauth.Source
	// From is MAIL_FROM; its address names the mailbox that sends
	// (/users/{address}/sendMail). Required.
	From string
	// BaseURL is MAIL_API_URL. Default URL. https only, except on a
	// loopback host.
	BaseURL string
	// Timeout bounds each call, within the caller's deadline. Default 30s.
	Timeout time.Duration
	// MaxConnections caps the idle connections kept for reuse. Default 100.
	MaxConnections int
	// RootCAs verifies Graph's certificate. Default nil: the system roots.
	RootCAs *x509.CertPool
}

// Graph is the provider. Safe for concurrent use.
type Graph struct {
	tokens *oauth.Source
	path   string
	api    *apiclient.Client
}

// New checks cfg. It makes no network call.
func New(cfg Config) (*Graph, error) {
	if cfg.Tokens == nil {
		return nil, errors.New("graph: invalid config: no token source")
	}
	from, err := mail.NewFrom(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("graph: invalid config: MAIL_FROM %v", err)
	}
	api, err := apiclient.New(mail.ProviderGraph, URL, apiclient.Config{
		Keyless: true, BaseURL: cfg.BaseURL, Timeout: cfg.Timeout, MaxConnections: cfg.MaxConnections, RootCAs: cfg.RootCAs,
	})
	if err != nil {
		return nil, err
	}
	return &Graph{tokens: cfg.Tokens, path: "/v1.0/users/" + url.PathEscape(from.Address()) + "/sendMail", api: api}, nil
}

// Name implements mail.Provider.
func (g *Graph) Name() string { return mail.ProviderGraph }

// Send implements mail.Provider.
func (g *Graph) Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error) {
	data, err := mail.Compose(m.Message)
	if err != nil {
		return mail.Receipt{}, mail.ComposeError(mail.ProviderGraph, err)
	}
	body := apiclient.Raw{ContentType: "text/plain", Data: []byte(base64.StdEncoding.EncodeToString(data))}
	if se := g.post(ctx, body, true); se != nil {
		se.Recipient = redact.Email(m.To)
		return mail.Receipt{}, se
	}
	// sendMail answers 202 with no ID.
	return mail.Receipt{Provider: mail.ProviderGraph}, nil
}

// post sends one sendMail call. A 401 to a token that has not expired
// (revoked, or the tenant's keys rolled) drops it and tries once more with
// a fresh one, when retry is set.
func (g *Graph) post(ctx context.Context, body apiclient.Raw, retry bool) *mail.SendError {
	tok, err := g.tokens.Token(ctx)
	if err != nil {
		var se *mail.SendError
		if errors.As(err, &se) {
			return se
		}
		return &mail.SendError{Provider: mail.ProviderGraph, Class: mail.ClassTransient, Temporary: true, Stage: mail.StageAuth, Err: err}
	}
	resp, se := g.api.Call(ctx, http.MethodPost, g.path, http.Header{"Authorization": {"Bearer " + tok.AccessToken}}, body)
	if se != nil {
		return se
	}
	if resp.Status == http.StatusAccepted || resp.Status == http.StatusOK {
		return nil
	}
	if resp.Status == http.StatusUnauthorized && retry && g.tokens.Invalidate(tok.AccessToken) {
		return g.post(ctx, body, false)
	}
	return g.classify(resp)
}

// graphError is Graph's documented error body.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// classify reads Graph's error: 429 throttled with its Retry-After, 503
// and 504 outage (the attempt is kept), 401 and 403 (consent missing,
// Mail.Send not granted, an application access policy, an unlicensed
// mailbox) and a mailbox that does not exist configuration, a recipient
// or message Graph refuses this message's problem.
func (g *Graph) classify(resp *apiclient.Response) *mail.SendError {
	var ge graphError
	_ = json.Unmarshal(resp.Body, &ge)
	se := g.api.StatusError(resp, ge.Error.Code, ge.Error.Message)
	status := resp.Status
	switch code := ge.Error.Code; {
	case status == http.StatusGatewayTimeout:
		se.SetClass(mail.ClassOutage)
	case status == http.StatusNotFound, code == "ErrorInvalidUser", code == "MailboxNotEnabledForRESTAPI",
		code == "ErrorSendAsDenied", code == "ErrorAccessDenied", code == "ErrorMessageSubmissionBlocked",
		code == "ErrorQuotaExceeded", code == "ErrorAccountSuspend":
		se.SetClass(mail.ClassConfig)
		se.Text += " (check MAIL_FROM's mailbox, its license and the app's Mail.Send permission)"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		se.Text += " (check the app's Mail.Send application permission and admin consent)"
	}
	return se
}

// Check proves that a token can be had. Mail.Send grants no call that reads
// without sending, so only --send-to proves the mailbox itself.
func (g *Graph) Check(ctx context.Context) (string, error) {
	detail, err := g.tokens.Check(ctx)
	if err != nil {
		return "", err
	}
	return detail + "; Mail.Send allows no read-only call: use --send-to to prove the mailbox", nil
}
