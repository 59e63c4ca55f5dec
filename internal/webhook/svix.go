package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// SvixTolerance is how far svix-timestamp may be from our clock, either
// way, as Svix's documentation recommends: a captured request replayed
// later than this is refused, and one replayed sooner is caught by its
// svix-id, which the store keeps.
const SvixTolerance = 5 * time.Minute

// Svix verifies requests signed the way Svix signs them (Resend's
// webhooks): svix-signature lists, space-separated, "v1,<base64>" entries,
// each an HMAC-SHA256, keyed by the base64-decoded part of the secret after
// "whsec_", of "<svix-id>.<svix-timestamp>.<raw body>". Several entries
// appear while a secret is being rotated; one match is enough.
type Svix struct {
	key []byte
	now func() time.Time
}

// NewSvix reads a "whsec_…" secret. now defaults to time.Now.
func NewSvix(secret string, now func() time.Time) (*Svix, error) {
	key, err := SvixKey(secret)
	if err != nil {
		return nil, err
	}
	if now == nil {
		now = time.Now
	}
	return &Svix{key: key, now: now}, nil
}

// SvixKey decodes a "whsec_…" secret into its HMAC key. config uses it to
// check RESEND_WEBHOOK_SECRET at start.
func SvixKey(secret string) ([]byte, error) {
	b64, ok := strings.CutPrefix(secret, "whsec_")
	if !ok {
		return nil, errors.New(`the signing secret must start with "whsec_" (copy it from the webhook's page)`)
	}
	key, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || len(key) < 16 {
		return nil, errors.New(`the part after "whsec_" must be the base64 key the provider shows`)
	}
	return key, nil
}

// Verify checks h's svix-id, svix-timestamp and svix-signature against
// body and returns the svix-id, the message's identity across
// redeliveries.
func (s *Svix) Verify(h http.Header, body []byte) (string, error) {
	id, ts, sigs := h.Get("svix-id"), h.Get("svix-timestamp"), h.Get("svix-signature")
	if id == "" || ts == "" || sigs == "" {
		return "", unauthorized("svix-id, svix-timestamp and svix-signature are required")
	}
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", unauthorized("svix-timestamp is not a number of seconds")
	}
	if d := s.now().Sub(time.Unix(secs, 0)); d > SvixTolerance || d < -SvixTolerance {
		return "", unauthorized("svix-timestamp is %s off", d.Round(time.Second))
	}
	want := svixSign(s.key, id, ts, body)
	for _, entry := range strings.Fields(sigs) {
		version, sig, ok := strings.Cut(entry, ",")
		if !ok || version != "v1" {
			continue
		}
		got, err := base64.StdEncoding.DecodeString(sig)
		if err == nil && hmac.Equal(got, want) {
			return id, nil
		}
	}
	return "", unauthorized("no svix-signature entry matches")
}

// svixSign is the v1 signature of one message: the raw HMAC-SHA256 that
// svix-signature carries in base64. Tests sign with their own
// implementation of the documented scheme (providertest.SignSvix), not
// with this one.
func svixSign(key []byte, id, timestamp string, body []byte) []byte {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id))
	mac.Write([]byte{'.'})
	mac.Write([]byte(timestamp))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return mac.Sum(nil)
}
