package providertest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/todoapp/resetmail/internal/mail/oauth"
)

// TokenOptions configures NewTokenServer.
type TokenOptions struct {
	// ClientID and ClientSecret are the confidential client the server
	// knows; both the client-credentials and the refresh grant check them.
	ClientID, ClientSecret string
	// RefreshToken is the refresh token the server accepts. Default ""
	// refuses the refresh grant.
	RefreshToken string
	// ServiceAccount enables RFC 7523's JWT bearer grant for a Google
	// service account with this client_email; ServiceAccountKey gives its
	// key file. Default "": no service account.
	ServiceAccount string
	// Subjects are the users the service account may impersonate (its
	// domain-wide delegation). Default: any.
	Subjects []string
	// Scope is the one scope the server grants; a request for another is
	// invalid_scope. Default "": any requested scope is granted.
	Scope string
	// Lifetime is expires_in of every token. Default one hour.
	Lifetime time.Duration
	// TLS serves HTTPS with a self-signed certificate (RootCAs trusts it).
	// Default false: http on loopback, which the product allows only there.
	TLS bool
}

// TokenServer is an OAuth 2.0 token endpoint (RFC 6749 section 3.2) that
// follows what Microsoft Entra's v2.0 endpoint and Google's document: the
// client-credentials grant (4.4) and the refresh grant (6) with the client
// secret in the form body or in Basic auth (2.3.1), the JWT bearer grant of
// a Google service account (RFC 7523), answers {"token_type":"Bearer",
// "expires_in","access_token"} and RFC 6749 5.2 error bodies with
// Microsoft's AADSTS descriptions and Google's wording: 401 invalid_client
// for a wrong or revoked secret, 400 invalid_grant for a revoked refresh
// token or an unknown key, 400 invalid_scope, 401 unauthorized_client for a
// subject outside the delegation.
//
// What it cannot reproduce: real signed JWT access tokens (its tokens are
// opaque random strings; Graph's and Exchange's checks of audience, roles
// and tenant are reduced to "issued here, not expired, right scope"),
// Conditional Access, consent prompts, Entra's token lifetimes of 60-90
// minutes with their random spread, throttling of the token endpoint
// itself, and refresh-token rotation rules (it never rotates).
type TokenServer struct {
	// URL is the token endpoint, for SMTP_OAUTH_TOKEN_URL.
	URL string

	opts TokenOptions
	srv  *httptest.Server
	key  *rsa.PrivateKey

	mu       sync.Mutex
	secret   string
	refresh  string
	keyValid bool
	down     int
	issued   map[string]issuedToken

	calls, grants atomic.Int64
}

type issuedToken struct {
	scope   string
	subject string
	expiry  time.Time
}

// NewTokenServer starts a token endpoint and stops it when the test ends.
func NewTokenServer(t testing.TB, o TokenOptions) *TokenServer {
	t.Helper()
	if o.Lifetime <= 0 {
		o.Lifetime = time.Hour
	}
	s := &TokenServer{opts: o, secret: o.ClientSecret, refresh: o.RefreshToken, keyValid: true, issued: map[string]issuedToken{}}
	if o.ServiceAccount != "" {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		s.key = key
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", s.token)
	s.srv = httptest.NewUnstartedServer(mux)
	start(s.srv, o.TLS, &tls.Config{MinVersion: tls.VersionTLS12})
	t.Cleanup(s.srv.Close)
	s.URL = s.srv.URL + "/token"
	return s
}

// RootCAs trusts the server's certificate (with TLS).
func (s *TokenServer) RootCAs() *x509.CertPool { return rootCAs(s.srv) }

// SetClientSecret replaces the accepted secret: "" or another value
// revokes the one the worker holds; setting it back restores it. Tokens
// already issued stay valid until they expire, as with Entra.
func (s *TokenServer) SetClientSecret(secret string) { set(&s.mu, &s.secret, secret) }

// SetRefreshToken replaces the accepted refresh token ("" revokes all).
func (s *TokenServer) SetRefreshToken(rt string) { set(&s.mu, &s.refresh, rt) }

// SetServiceAccountKeyValid deletes (false) or restores (true) the service
// account's key.
func (s *TokenServer) SetServiceAccountKeyValid(ok bool) { set(&s.mu, &s.keyValid, ok) }

// FailNext answers the next n requests 503, as during an outage.
func (s *TokenServer) FailNext(n int) { set(&s.mu, &s.down, n) }

// RevokeTokens makes every access token issued so far invalid, as when an
// admin revokes the app's sessions: servers refuse them before they expire.
func (s *TokenServer) RevokeTokens() { set(&s.mu, &s.issued, map[string]issuedToken{}) }

// Calls counts requests to the endpoint, refused ones too.
func (s *TokenServer) Calls() int64 { return s.calls.Load() }

// Granted counts the tokens issued.
func (s *TokenServer) Granted() int64 { return s.grants.Load() }

// Valid reports whether token was issued here for scope (any scope when
// scope is ""), has not expired and was not revoked; subject, when not "",
// must be the user a service account token impersonates.
func (s *TokenServer) Valid(token, scope, subject string) bool {
	s.mu.Lock()
	it, ok := s.issued[token]
	s.mu.Unlock()
	return ok && time.Now().Before(it.expiry) && (scope == "" || strings.Contains(" "+it.scope+" ", " "+scope+" ")) &&
		(subject == "" || it.subject == "" || it.subject == subject)
}

// ServiceAccountKey is the key file of the service account, as the Google
// Cloud console downloads it, with token_uri pointing here.
func (s *TokenServer) ServiceAccountKey() []byte {
	der, err := x509.MarshalPKCS8PrivateKey(s.key)
	if err != nil {
		panic(err)
	}
	b, _ := json.Marshal(map[string]string{
		"type":           "service_account",
		"project_id":     "resetmail-test",
		"private_key_id": "0123456789abcdef",
		"private_key":    string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":   s.opts.ServiceAccount,
		"client_id":      "100000000000000000001",
		"auth_uri":       "https://accounts.google.com/o/oauth2/auth",
		"token_uri":      s.URL,
	})
	return b
}

// tokenError writes an RFC 6749 5.2 error body, with Microsoft's extra
// fields when desc is an AADSTS message.
func tokenError(w http.ResponseWriter, status int, code, desc string) {
	body := map[string]any{"error": code, "error_description": desc}
	if strings.HasPrefix(desc, "AADSTS") {
		body["error_description"] = desc + " Trace ID: 0000aaaa-11bb-cccc-dd22-eeeeee333333 Correlation ID: 1111bbbb-22cc-dddd-ee33-ffffff444444 Timestamp: " + time.Now().UTC().Format("2006-01-02 15:04:05Z")
		body["timestamp"] = time.Now().UTC().Format("2006-01-02 15:04:05Z")
		body["trace_id"] = "0000aaaa-11bb-cccc-dd22-eeeeee333333"
		body["correlation_id"] = "1111bbbb-22cc-dddd-ee33-ffffff444444"
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Basic realm="token"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

func (s *TokenServer) token(w http.ResponseWriter, r *http.Request) {
	s.calls.Add(1)
	s.mu.Lock()
	down := s.down > 0
	if down {
		s.down--
	}
	s.mu.Unlock()
	if down {
		tokenError(w, http.StatusServiceUnavailable, "temporarily_unavailable", "AADSTS90033: A transient error has occurred. Please try again.")
		return
	}
	if err := r.ParseForm(); err != nil || r.Header.Get("Content-Type") != "application/x-www-form-urlencoded" {
		tokenError(w, http.StatusBadRequest, "invalid_request", "AADSTS900144: The request body must contain the following parameter: 'grant_type'.")
		return
	}
	switch r.PostForm.Get("grant_type") {
	case "client_credentials":
		if !s.client(w, r) {
			return
		}
		s.grant(w, r.PostForm.Get("scope"), "", false)
	case "refresh_token":
		if !s.client(w, r) {
			return
		}
		if rt := get(&s.mu, &s.refresh); rt == "" || r.PostForm.Get("refresh_token") != rt {
			tokenError(w, http.StatusBadRequest, "invalid_grant", "AADSTS70008: The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.")
			return
		}
		s.grant(w, r.PostForm.Get("scope"), "", true)
	case "urn:ietf:params:oauth:grant-type:jwt-bearer":
		s.jwtBearer(w, r)
	default:
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "AADSTS70003: The app requested an unsupported grant type.")
	}
}

// client authenticates the client by Basic auth or form fields.
func (s *TokenServer) client(w http.ResponseWriter, r *http.Request) bool {
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if id != s.opts.ClientID {
		tokenError(w, http.StatusBadRequest, "unauthorized_client", fmt.Sprintf("AADSTS700016: Application with identifier '%s' was not found in the directory.", id))
		return false
	}
	if want := get(&s.mu, &s.secret); want == "" || secret != want {
		tokenError(w, http.StatusUnauthorized, "invalid_client", fmt.Sprintf("AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", id))
		return false
	}
	return true
}

func (s *TokenServer) grant(w http.ResponseWriter, scope, subject string, withScope bool) {
	if s.opts.Scope != "" && scope != "" && scope != s.opts.Scope {
		tokenError(w, http.StatusBadRequest, "invalid_scope", fmt.Sprintf("AADSTS70011: The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope %s is not valid.", scope))
		return
	}
	if scope == "" {
		scope = s.opts.Scope
	}
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	tok := "tok-" + hex.EncodeToString(b)
	s.mu.Lock()
	s.issued[tok] = issuedToken{scope: scope, subject: subject, expiry: time.Now().Add(s.opts.Lifetime)}
	s.mu.Unlock()
	s.grants.Add(1)
	secs := int(s.opts.Lifetime / time.Second)
	out := map[string]any{"token_type": "Bearer", "expires_in": secs, "ext_expires_in": secs, "access_token": tok}
	if withScope {
		out["scope"] = scope
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(out)
}

// jwtBearer is Google's service account grant: an RS256 assertion signed
// with the account's key, iss the client_email, aud the token URL, sub the
// impersonated user, scope the scopes.
func (s *TokenServer) jwtBearer(w http.ResponseWriter, r *http.Request) {
	if s.key == nil {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Invalid grant_type: urn:ietf:params:oauth:grant-type:jwt-bearer")
		return
	}
	keyValid := get(&s.mu, &s.keyValid)
	claims := jwt.MapClaims{}
	_, err := jwt.ParseWithClaims(r.PostForm.Get("assertion"), claims, func(*jwt.Token) (any, error) { return &s.key.PublicKey, nil },
		jwt.WithValidMethods([]string{"RS256"}), jwt.WithIssuer(s.opts.ServiceAccount), jwt.WithAudience(s.URL), jwt.WithExpirationRequired())
	if err != nil || !keyValid {
		tokenError(w, http.StatusBadRequest, "invalid_grant", "Invalid JWT Signature.")
		return
	}
	sub, _ := claims["sub"].(string)
	if len(s.opts.Subjects) > 0 && !slices.Contains(s.opts.Subjects, sub) {
		tokenError(w, http.StatusUnauthorized, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
		return
	}
	scope, _ := claims["scope"].(string)
	s.grant(w, scope, sub, false)
}

// The confidential client ClientTokens registers.
const (
	TestClientID     = "11112222-bbbb-3333-cccc-4444dddd5555"
	TestClientSecret = "test-client-secret-value"
)

// ClientTokens starts a TLS token endpoint that grants scope, tokens living
// lifetime (0: an hour), to the one confidential client TestClientID, and
// returns it with the oauth.Source a worker builds for that client and
// provider (mail.ProviderSMTP or mail.ProviderGraph).
func ClientTokens(t testing.TB, provider, scope string, lifetime time.Duration) (*TokenServer, *oauth.Source) {
	t.Helper()
	ts := NewTokenServer(t, TokenOptions{ClientID: TestClientID, ClientSecret: TestClientSecret, Scope: scope, Lifetime: lifetime, TLS: true})
	src, err := oauth.New(oauth.Config{Provider: provider, TokenURL: ts.URL, ClientID: TestClientID, ClientSecret: TestClientSecret, Scopes: []string{scope}, RootCAs: ts.RootCAs()})
	if err != nil {
		t.Fatal(err)
	}
	return ts, src
}
