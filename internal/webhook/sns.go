package webhook

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SNS SignatureVersion 1 is SHA1withRSA; we verify what AWS sends.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"
)

// SNSMaxAge is how old an SNS message's Timestamp may be. SNS keeps a
// message's Timestamp and MessageId across its retries, and an HTTPS
// delivery policy retries for at most an hour, so anything older is a
// replay; a replay within the hour is caught by its MessageId, which the
// store keeps.
const SNSMaxAge = time.Hour

// snsCertHost is the production rule for SigningCertURL and SubscribeURL:
// SNS's own regional endpoint, the host AWS's documentation says to accept
// (sns.<region>.amazonaws.com, and .amazonaws.com.cn in China).
var snsCertHost = regexp.MustCompile(`^sns\.[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]\.amazonaws\.com(\.cn)?$`)

// ProductionSNSHost reports whether host is an SNS regional endpoint.
func ProductionSNSHost(host string) bool { return snsCertHost.MatchString(host) }

// SNSConfig configures SNS. Production sets only TopicARN.
type SNSConfig struct {
	// TopicARN is SES_SNS_TOPIC_ARN: the only topic whose messages are
	// accepted and whose subscription is confirmed. Required.
	TopicARN string
	// Client fetches signing certificates and visits SubscribeURL.
	// Defaults to a client with a 10 s timeout.
	Client *http.Client
	// TrustedHost decides which https hosts may serve certificates and
	// subscription URLs. Defaults to ProductionSNSHost; tests, whose
	// stand-in SNS listens on 127.0.0.1, pass their own.
	TrustedHost func(host string) bool
	// Now defaults to time.Now.
	Now func() time.Time
}

// SNS verifies Amazon SNS messages (SES event publishing to an HTTPS
// subscription): SignatureVersion 1 (SHA1withRSA) and 2 (SHA256withRSA)
// over the canonical string of the message's fields, with the certificate
// from SigningCertURL, fetched over https from an SNS host only and
// cached by URL.
type SNS struct {
	cfg SNSConfig

	mu    sync.Mutex
	certs map[string]*x509.Certificate
}

// maxCachedCerts bounds the cache. SNS rotates its certificate rarely and
// one region serves one at a time; only URLs on SNS's own hosts are ever
// fetched, so the bound is a safety net, not a working limit.
const maxCachedCerts = 32

// NewSNS validates cfg.
func NewSNS(cfg SNSConfig) (*SNS, error) {
	if cfg.TopicARN == "" {
		return nil, errors.New("webhook: SNS needs the topic ARN")
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 10 * time.Second}
	}
	if cfg.TrustedHost == nil {
		cfg.TrustedHost = ProductionSNSHost
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &SNS{cfg: cfg, certs: map[string]*x509.Certificate{}}, nil
}

// SNSMessage is an SNS HTTP(S) delivery: a Notification, a
// SubscriptionConfirmation or an UnsubscribeConfirmation.
type SNSMessage struct {
	Type             string  `json:"Type"`
	MessageID        string  `json:"MessageId"`
	Token            string  `json:"Token"`
	TopicARN         string  `json:"TopicArn"`
	Subject          *string `json:"Subject"`
	Message          string  `json:"Message"`
	SubscribeURL     string  `json:"SubscribeURL"`
	Timestamp        string  `json:"Timestamp"`
	SignatureVersion string  `json:"SignatureVersion"`
	Signature        string  `json:"Signature"`
	SigningCertURL   string  `json:"SigningCertURL"`
}

// Verify parses body, checks its signature, age and topic, and returns
// it. A SubscriptionConfirmation is verified like any message; Confirm
// acts on it.
func (s *SNS) Verify(ctx context.Context, body []byte) (*SNSMessage, error) {
	var m SNSMessage
	if err := decodeStrict(body, &m); err != nil {
		return nil, err
	}
	if m.Type == "" || m.MessageID == "" || m.TopicARN == "" || m.Timestamp == "" {
		return nil, malformed("Type, MessageId, TopicArn and Timestamp are required")
	}
	var h crypto.Hash
	switch m.SignatureVersion {
	case "1":
		h = crypto.SHA1
	case "2":
		h = crypto.SHA256
	default:
		return nil, unauthorized("SignatureVersion must be 1 or 2")
	}
	sig, err := base64.StdEncoding.DecodeString(m.Signature)
	if err != nil || len(sig) == 0 {
		return nil, unauthorized("Signature is not base64")
	}
	canonical, err := snsStringToSign(&m)
	if err != nil {
		return nil, err
	}
	cert, err := s.cert(ctx, m.SigningCertURL)
	if err != nil {
		return nil, err
	}
	pub, ok := cert.PublicKey.(*rsa.PublicKey)
	if !ok {
		return nil, unauthorized("the signing certificate has no RSA key")
	}
	var digest []byte
	if h == crypto.SHA1 {
		d := sha1.Sum(canonical) //nolint:gosec // see the import
		digest = d[:]
	} else {
		d := sha256.Sum256(canonical)
		digest = d[:]
	}
	if err := rsa.VerifyPKCS1v15(pub, h, digest, sig); err != nil {
		return nil, unauthorized("the signature does not verify")
	}
	at, err := time.Parse(time.RFC3339Nano, m.Timestamp)
	if err != nil {
		return nil, malformed("Timestamp is not RFC 3339")
	}
	if age := s.cfg.Now().Sub(at); age > SNSMaxAge || age < -SvixTolerance {
		return nil, unauthorized("Timestamp is %s old", age.Round(time.Second))
	}
	if m.TopicARN != s.cfg.TopicARN {
		return nil, ErrForbidden
	}
	return &m, nil
}

// snsStringToSign builds the canonical string AWS documents: for each of
// the type's fields, in byte order of their names, the name, a newline,
// the value, a newline. Subject is included only when present.
func snsStringToSign(m *SNSMessage) ([]byte, error) {
	var b strings.Builder
	add := func(name, value string) {
		b.WriteString(name)
		b.WriteByte('\n')
		b.WriteString(value)
		b.WriteByte('\n')
	}
	switch m.Type {
	case "Notification":
		add("Message", m.Message)
		add("MessageId", m.MessageID)
		if m.Subject != nil {
			add("Subject", *m.Subject)
		}
		add("Timestamp", m.Timestamp)
		add("TopicArn", m.TopicARN)
		add("Type", m.Type)
	case "SubscriptionConfirmation", "UnsubscribeConfirmation":
		add("Message", m.Message)
		add("MessageId", m.MessageID)
		add("SubscribeURL", m.SubscribeURL)
		add("Timestamp", m.Timestamp)
		add("Token", m.Token)
		add("TopicArn", m.TopicARN)
		add("Type", m.Type)
	default:
		return nil, malformed("unknown SNS message Type %q", m.Type)
	}
	return []byte(b.String()), nil
}

// trustedURL parses raw and checks it is https on a trusted SNS host.
func (s *SNS) trustedURL(raw, what string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "https" || u.User != nil || !s.cfg.TrustedHost(u.Hostname()) {
		return nil, unauthorized("%s must be https on an SNS host (sns.<region>.amazonaws.com)", what)
	}
	return u, nil
}

// cert returns the certificate at raw, from the cache or fetched.
func (s *SNS) cert(ctx context.Context, raw string) (*x509.Certificate, error) {
	u, err := s.trustedURL(raw, "SigningCertURL")
	if err != nil {
		return nil, err
	}
	if !strings.HasSuffix(u.Path, ".pem") {
		return nil, unauthorized("SigningCertURL must name a .pem file")
	}
	key := u.String()
	s.mu.Lock()
	c := s.certs[key]
	s.mu.Unlock()
	if c != nil {
		return c, nil
	}
	c, err = s.fetchCert(ctx, key)
	if err != nil {
		// The certificate host failing is not the sender's fault, but the
		// message cannot be verified: SNS retries a non-2xx answer.
		return nil, unauthorized("signing certificate: %v", err)
	}
	s.mu.Lock()
	if len(s.certs) >= maxCachedCerts {
		clear(s.certs)
	}
	s.certs[key] = c
	s.mu.Unlock()
	return c, nil
}

func (s *SNS) fetchCert(ctx context.Context, u string) (*x509.Certificate, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET answered %d", resp.StatusCode)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("not a PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return nil, errors.New("the certificate is not valid now")
	}
	return cert, nil
}

// Confirm visits a verified SubscriptionConfirmation's SubscribeURL, which
// must be on a trusted SNS host too, so that SNS starts delivering.
func (s *SNS) Confirm(ctx context.Context, m *SNSMessage) error {
	u, err := s.trustedURL(m.SubscribeURL, "SubscribeURL")
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return err
	}
	resp, err := s.cfg.Client.Do(req)
	if err != nil {
		return fmt.Errorf("confirm the SNS subscription: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("confirm the SNS subscription: SubscribeURL answered %d", resp.StatusCode)
	}
	return nil
}
