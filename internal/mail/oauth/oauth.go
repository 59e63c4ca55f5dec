// Package oauth gets the OAuth 2.0 access tokens that SMTP XOAUTH2
// (SMTP_AUTH=xoauth2) and Microsoft Graph (MAIL_PROVIDER=graph) send with,
// through golang.org/x/oauth2 and its clientcredentials, jwt and google
// packages: the client-credentials grant (Microsoft Entra apps), the
// refresh-token grant (a delegated Google or Microsoft mailbox) and a
// Google service account with domain-wide delegation.
//
// A Source caches one token for every connection of a worker, refreshes it
// before it expires, and drops it when a server refuses it (Invalidate), so
// that the next Token fetches a fresh one. It never caches a failure: a
// token endpoint that refused once is asked again on the next call, which
// is how held mail resumes by itself once the endpoint accepts again.
//
// Errors are *mail.SendError values at StageAuth. A refusal of our client,
// grant or scope (invalid_client, invalid_grant, unauthorized_client,
// invalid_scope, ...) is mail.ClassConfig and names the variable to fix; an
// endpoint that cannot be reached or answers 5xx is mail.ClassOutage; 429
// is mail.ClassThrottled. No secret, refresh token or access token ever
// reaches an error text: the endpoint's own words are scrubbed of them.
package oauth

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	"golang.org/x/oauth2/google"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
)

// The variables a token problem names. internal/config reads them; they are
// here too because the errors this package builds at run time tell on-call
// which one to fix.
const (
	VarTokenURL           = "SMTP_OAUTH_TOKEN_URL"
	VarClientID           = "SMTP_OAUTH_CLIENT_ID"
	VarClientSecret       = "SMTP_OAUTH_CLIENT_SECRET"
	VarScope              = "SMTP_OAUTH_SCOPE"
	VarRefreshToken       = "SMTP_OAUTH_REFRESH_TOKEN"
	VarServiceAccountFile = "SMTP_OAUTH_SERVICE_ACCOUNT_FILE"
)

// Grants a Source uses, as Grant reports them.
const (
	// GrantClientCredentials is RFC 6749 section 4.4, as Microsoft Entra
	// apps use it for SMTP and Graph.
	GrantClientCredentials = "client_credentials"
	// GrantRefreshToken is RFC 6749 section 6, for a delegated mailbox.
	GrantRefreshToken = "refresh_token"
	// GrantServiceAccount is RFC 7523's JWT bearer grant with a Google
	// service account key, impersonating a Workspace user.
	GrantServiceAccount = "service_account"
)

// Default scopes, used when SMTP_OAUTH_SCOPE is empty.
const (
	// ScopeOutlookSMTP is Exchange Online's scope for SMTP with the
	// client-credentials grant.
	ScopeOutlookSMTP = "https://outlook.office365.com/.default"
	// ScopeGraph is Microsoft Graph's scope for the client-credentials
	// grant: the application permissions granted to the app (Mail.Send).
	ScopeGraph = "https://graph.microsoft.com/.default"
	// ScopeGmail is the one scope Gmail's SMTP server accepts.
	ScopeGmail = "https://mail.google.com/"
)

// ErrRefused is the cause (errors.Is) of every refusal by the token
// endpoint of our client, grant or scope: a configuration problem that
// heals by itself once the endpoint accepts again, since every send asks
// it anew. /readyz says so instead of asking for a restart.
var ErrRefused = errors.New("token endpoint refused the configured client or grant")

// DefaultTimeout bounds one call to the token endpoint when Config.Timeout
// is zero; the caller's deadline bounds it further.
const DefaultTimeout = 30 * time.Second

// Config configures New. Exactly one grant is set: ServiceAccountFile, or
// RefreshToken, or ClientSecret alone.
type Config struct {
	// Provider labels errors: mail.ProviderGraph for Graph; default ""
	// means mail.ProviderSMTP.
	Provider string
	// TokenURL is SMTP_OAUTH_TOKEN_URL, e.g.
	// https://login.microsoftonline.com/<tenant>/oauth2/v2.0/token. https
	// only, except on a loopback host. Required except with a service
	// account, whose key file names its own token_uri.
	TokenURL string
	// ClientID and ClientSecret are SMTP_OAUTH_CLIENT_ID and
	// SMTP_OAUTH_CLIENT_SECRET. ClientSecret may be empty with a refresh
	// token of a public client.
	ClientID, ClientSecret string
	// Scopes is SMTP_OAUTH_SCOPE split on spaces. Default: ScopeGraph for
	// Graph, ScopeGmail for a service account, ScopeOutlookSMTP for SMTP
	// with a client secret alone, none for a refresh token (the endpoint
	// then grants the scopes the token was issued for).
	Scopes []string
	// RefreshToken is SMTP_OAUTH_REFRESH_TOKEN.
	RefreshToken string
	// ServiceAccountFile is SMTP_OAUTH_SERVICE_ACCOUNT_FILE, a Google
	// service account key (JSON). New reads it.
	ServiceAccountFile string
	// Subject is the user a service account impersonates (SMTP_USERNAME).
	Subject string
	// Timeout bounds each call to the token endpoint. Default 30s.
	Timeout time.Duration
	// RootCAs verifies the token endpoint's certificate. Default nil: the
	// system roots; tests pass their server's.
	RootCAs *x509.CertPool
}

// Source hands out access tokens, fetching one only when the cached one is
// missing, due for refresh or invalidated. Safe for concurrent use; while
// one caller fetches, the others wait for its token rather than fetch too.
type Source struct {
	grant    string
	provider string
	host     string
	scopes   []string
	// fetch asks the token endpoint for a new token. refresh is the
	// current refresh token, which rotates when the endpoint issues a new
	// one.
	fetch func(ctx context.Context, refresh string) (*oauth2.Token, error)
	// secrets are scrubbed from whatever the endpoint says back.
	secrets []string
	timeout time.Duration
	http    *http.Client

	// lock is a one-slot semaphore rather than a mutex, so that a caller
	// waiting for another's fetch still honours its own context.
	lock    chan struct{}
	tok     *oauth2.Token
	fetched time.Time
	refresh string

	fetches atomic.Uint64
}

// New checks cfg and reads the service account key. It makes no network
// call: the first Token does.
func New(cfg Config) (*Source, error) {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if len(cfg.Scopes) == 0 {
		switch {
		case cfg.Provider == mail.ProviderGraph:
			cfg.Scopes = []string{ScopeGraph}
		case cfg.ServiceAccountFile != "":
			cfg.Scopes = []string{ScopeGmail}
		case cfg.RefreshToken == "":
			cfg.Scopes = []string{ScopeOutlookSMTP}
		}
	}
	if cfg.Provider == "" {
		cfg.Provider = mail.ProviderSMTP
	}
	s := &Source{
		provider: cfg.Provider,
		scopes:   cfg.Scopes,
		timeout:  cfg.Timeout,
		http:     newHTTPClient(cfg.RootCAs),
		lock:     make(chan struct{}, 1),
		refresh:  cfg.RefreshToken,
	}
	var tokenURL string
	switch {
	case cfg.ServiceAccountFile != "":
		if cfg.RefreshToken != "" || cfg.ClientSecret != "" {
			return nil, fmt.Errorf("%s is set together with %s or %s; set one way of getting tokens", VarServiceAccountFile, VarRefreshToken, VarClientSecret)
		}
		key, err := os.ReadFile(cfg.ServiceAccountFile)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", VarServiceAccountFile, errors.Unwrap(err))
		}
		jc, err := google.JWTConfigFromJSON(key, cfg.Scopes...)
		if err != nil {
			// The library's words name fields, never the key.
			return nil, fmt.Errorf("%s is not a Google service account key: %v", VarServiceAccountFile, err)
		}
		if cfg.Subject == "" {
			return nil, fmt.Errorf("%s impersonates SMTP_USERNAME, which is empty", VarServiceAccountFile)
		}
		jc.Subject = cfg.Subject
		if jc.TokenURL == "" {
			jc.TokenURL = google.JWTTokenURL
		}
		if cfg.TokenURL != "" {
			// SMTP_OAUTH_TOKEN_URL overrides the key's token_uri (tests).
			jc.TokenURL = cfg.TokenURL
		}
		tokenURL = jc.TokenURL
		s.grant = GrantServiceAccount
		s.fetch = func(ctx context.Context, _ string) (*oauth2.Token, error) {
			// A fresh source each time: jwt's own TokenSource caches, and
			// this Source decides when to fetch.
			return jc.TokenSource(ctx).Token()
		}
		s.secrets = []string{string(jc.PrivateKey), jc.PrivateKeyID}
	case cfg.RefreshToken != "":
		if cfg.TokenURL == "" {
			return nil, fmt.Errorf("%s needs %s", VarRefreshToken, VarTokenURL)
		}
		tokenURL = cfg.TokenURL
		s.grant = GrantRefreshToken
		s.fetch = func(ctx context.Context, refresh string) (*oauth2.Token, error) {
			// oauth2.Config's refresher sends no scope, which Microsoft's
			// v2.0 endpoint requires on refresh (golang/oauth2#540);
			// clientcredentials sends one, and lets grant_type be
			// overridden for exactly this kind of interoperability.
			cc := clientcredentials.Config{
				ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL, Scopes: cfg.Scopes,
				EndpointParams: url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}},
				AuthStyle:      oauth2.AuthStyleInParams,
			}
			return cc.Token(ctx)
		}
		s.secrets = []string{cfg.ClientSecret, cfg.RefreshToken}
	case cfg.ClientSecret != "":
		if cfg.TokenURL == "" || cfg.ClientID == "" {
			return nil, fmt.Errorf("%s needs %s and %s", VarClientSecret, VarTokenURL, VarClientID)
		}
		tokenURL = cfg.TokenURL
		// Both Microsoft and Google document the client secret as a form
		// field; auto-detection would try Basic first and ask twice each
		// time a revoked secret is refused.
		cc := clientcredentials.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, TokenURL: cfg.TokenURL, Scopes: cfg.Scopes, AuthStyle: oauth2.AuthStyleInParams}
		s.grant = GrantClientCredentials
		s.fetch = func(ctx context.Context, _ string) (*oauth2.Token, error) { return cc.Token(ctx) }
		s.secrets = []string{cfg.ClientSecret}
	default:
		return nil, fmt.Errorf("no way of getting tokens: set %s, %s or %s", VarClientSecret, VarRefreshToken, VarServiceAccountFile)
	}
	if err := CheckTokenURL(tokenURL); err != nil {
		name := VarTokenURL
		if cfg.TokenURL == "" {
			name = VarServiceAccountFile + "'s token_uri"
		}
		return nil, fmt.Errorf("%s %v", name, err)
	}
	if u, err := url.Parse(tokenURL); err == nil {
		s.host = u.Host
	}
	return s, nil
}

// CheckTokenURL is the rule for SMTP_OAUTH_TOKEN_URL: https, or http only
// to a loopback host, since the client secret goes in the request.
func CheckTokenURL(raw string) error { return apiclient.CheckURL(raw) }

// newHTTPClient is the token endpoint's client: TLS 1.2 at least, and no
// redirects, which could replay the secret to another host.
func newHTTPClient(roots *x509.CertPool) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:               http.ProxyFromEnvironment,
			DialContext:         (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
			TLSClientConfig:     &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots},
			TLSHandshakeTimeout: 10 * time.Second,
			MaxIdleConns:        2,
			IdleConnTimeout:     90 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Grant is one of the Grant* constants.
func (s *Source) Grant() string { return s.grant }

// Host is the token endpoint's host, for check-mail.
func (s *Source) Host() string { return s.host }

// Fetches counts the calls made to the token endpoint, failed ones too.
func (s *Source) Fetches() uint64 { return s.fetches.Load() }

// Token returns the cached access token, or fetches a new one when none is
// cached or the cached one is due for refresh.
func (s *Source) Token(ctx context.Context) (*oauth2.Token, error) {
	select {
	case s.lock <- struct{}{}:
	case <-ctx.Done():
		return nil, s.classify(ctx, ctx.Err())
	}
	defer func() { <-s.lock }()
	now := time.Now()
	if s.tok != nil && now.Before(refreshAt(s.tok, s.fetched)) {
		return s.tok, nil
	}
	s.tok = nil
	cctx, cancel := context.WithTimeout(context.WithValue(ctx, oauth2.HTTPClient, s.http), s.timeout)
	defer cancel()
	s.fetches.Add(1)
	tok, err := s.fetch(cctx, s.refresh)
	if err != nil {
		return nil, s.classify(cctx, err)
	}
	if tok.AccessToken == "" {
		return nil, &mail.SendError{Provider: s.provider, Class: mail.ClassConfig, Stage: mail.StageAuth, Server: s.host,
			Text: "token endpoint answered without an access token (check " + VarTokenURL + ")"}
	}
	if tok.RefreshToken != "" && s.grant == GrantRefreshToken {
		// The endpoint rotated the refresh token; the old one may stop
		// working. It lives in memory only: after a restart the configured
		// one is used again, which providers accept until it expires.
		s.refresh = tok.RefreshToken
		s.secrets = append(s.secrets, tok.RefreshToken)
	}
	s.tok, s.fetched = tok, now
	return tok, nil
}

// AccessToken is Token's access token, for SMTP XOAUTH2.
func (s *Source) AccessToken(ctx context.Context) (string, error) {
	tok, err := s.Token(ctx)
	if err != nil {
		return "", err
	}
	return tok.AccessToken, nil
}

// Check gets a token (the cached one if still fresh) and describes it for
// `worker check-mail`.
func (s *Source) Check(ctx context.Context) (string, error) {
	tok, err := s.Token(ctx)
	if err != nil {
		return "", err
	}
	return s.Describe(tok), nil
}

// refreshAt is when a token fetched at fetched is replaced: a quarter of
// its lifetime before it expires, at most five minutes before, so that a
// connection never authenticates with a token about to lapse. A token
// without an expiry is kept until a server refuses it.
func refreshAt(tok *oauth2.Token, fetched time.Time) time.Time {
	if tok.Expiry.IsZero() {
		return time.Unix(1<<62, 0)
	}
	margin := min(tok.Expiry.Sub(fetched)/4, 5*time.Minute)
	return tok.Expiry.Add(-margin)
}

// Invalidate drops the cached token if it is still access, after a server
// refused it although it had not expired: the next Token fetches a fresh
// one. It reports whether it dropped it.
func (s *Source) Invalidate(access string) bool {
	s.lock <- struct{}{}
	defer func() { <-s.lock }()
	if s.tok != nil && s.tok.AccessToken == access {
		s.tok = nil
		return true
	}
	return false
}

// Scopes are the scopes a token carries: the endpoint's "scope" answer, or
// what was asked for when it says none (RFC 6749 5.1).
func (s *Source) Scopes(tok *oauth2.Token) []string {
	if v, ok := tok.Extra("scope").(string); ok && strings.TrimSpace(v) != "" {
		return strings.Fields(v)
	}
	return s.scopes
}

// Describe is check-mail's line for a token: "obtained (client_credentials
// from login.example.com), expires in 3599 s, scopes a b". Never the token.
func (s *Source) Describe(tok *oauth2.Token) string {
	out := fmt.Sprintf("obtained (%s from %s)", s.grant, s.host)
	if !tok.Expiry.IsZero() {
		out += fmt.Sprintf(", expires in %d s", int(time.Until(tok.Expiry).Round(time.Second).Seconds()))
	} else {
		out += ", no expiry given"
	}
	if sc := s.Scopes(tok); len(sc) > 0 {
		out += ", scopes " + strings.Join(sc, " ")
	}
	return out
}

// classify turns a failed fetch into a *mail.SendError (see the package
// comment).
func (s *Source) classify(ctx context.Context, err error) *mail.SendError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		var ue *url.Error
		if errors.As(err, &ue) || ctx.Err() != nil {
			se := apiclient.TransportError(ctx, s.provider, err)
			se.Stage = mail.StageAuth
			if se.Class == mail.ClassTransient {
				// Every send needs the token: an endpoint we cannot reach
				// holds all mail, like a provider that is down.
				se.SetClass(mail.ClassOutage)
			}
			se.Server = s.host
			se.Text = "token endpoint: " + s.scrub(err.Error())
			return se
		}
		// The jwt package formats its network errors with %v, and a
		// response that is not JSON lands here too: retried, held.
		return &mail.SendError{Provider: s.provider, Class: mail.ClassOutage, Temporary: true, Stage: mail.StageAuth, Server: s.host,
			Text: "token endpoint: " + s.scrub(err.Error())}
	}
	code, desc := re.ErrorCode, re.ErrorDescription
	if code == "" {
		// jwt does not parse the RFC 6749 error body; read it here.
		var body struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		if json.Unmarshal(re.Body, &body) == nil {
			code, desc = body.Error, body.Desc
		}
	}
	status := 0
	header := http.Header{}
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	se := apiclient.StatusError(s.provider, status, header, code, "")
	se.Stage = mail.StageAuth
	se.Server = s.host
	text := "token endpoint refused"
	if code != "" {
		text += " (" + code + ")"
	}
	if d := s.scrub(firstSentence(desc)); d != "" {
		text += ": " + d
	}
	switch {
	case status == http.StatusTooManyRequests:
		se.SetClass(mail.ClassThrottled)
	case status >= 500:
		se.SetClass(mail.ClassOutage)
		text = fmt.Sprintf("token endpoint answered %d", status)
	default:
		// Every 4xx from a token endpoint is our client, grant or scope.
		se.SetClass(mail.ClassConfig)
		se.Err = ErrRefused
		text += "; check " + s.culprit(code) + "; mail is held and resumes by itself once the endpoint accepts"
	}
	se.Text = apiclient.MaskText(text)
	return se
}

// culprit names the variable an RFC 6749 error code points at.
func (s *Source) culprit(code string) string {
	switch s.grant {
	case GrantServiceAccount:
		if code == "invalid_scope" {
			return VarScope + " and the scopes granted to the service account's domain-wide delegation"
		}
		return VarServiceAccountFile + " (the key, and its domain-wide delegation in the Workspace admin console)"
	case GrantRefreshToken:
		switch code {
		case "invalid_grant":
			return VarRefreshToken + " (expired, revoked or consent withdrawn)"
		case "invalid_client", "unauthorized_client":
			return VarClientID + " and " + VarClientSecret
		case "invalid_scope":
			return VarScope
		}
		return VarRefreshToken + ", " + VarClientID + " and " + VarScope
	}
	switch code {
	case "invalid_client":
		return VarClientSecret + " (revoked or expired?) and " + VarClientID
	case "unauthorized_client", "invalid_grant":
		return VarClientID + " and the app's consent"
	case "invalid_scope":
		return VarScope
	}
	return VarClientID + ", " + VarClientSecret + " and " + VarTokenURL
}

// scrub removes every secret this source holds from a text the endpoint
// or a library produced.
func (s *Source) scrub(text string) string {
	for _, secret := range s.secrets {
		if len(secret) >= 4 {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}

// firstSentence keeps an error description short: Microsoft's carry trace
// and correlation IDs and a timestamp after the first line.
func firstSentence(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, " Trace ID:")
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
