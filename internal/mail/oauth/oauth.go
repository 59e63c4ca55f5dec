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
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
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

// tokenEndpointConns is the connections kept to the token endpoint: one
// cached token per worker means a call every hour or so, not a pool.
const tokenEndpointConns = 2

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
		http:     apiclient.NewHTTPClient(tokenEndpointConns, cfg.RootCAs),
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
