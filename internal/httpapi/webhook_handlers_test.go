package httpapi_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/config"
	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/webhook"
)

const testTopic = "arn:aws:sns:us-east-1:123456789012:ses-events"

// hookBundle is an API with all three receivers configured, the SNS
// stand-in trusted in place of SNS's regional hosts.
type hookBundle struct {
	*testBundle
	secret string
	sns    *providertest.SNS
	store  *mailevent.Store
}

func setupHooks(t *testing.T) *hookBundle {
	t.Helper()
	secret := providertest.SvixSecret()
	sns := providertest.NewSNS(t)
	b := setup(t, func(c *config.API) {
		c.ResendWebhookSecret = secret
		c.PostmarkWebhookUsername, c.PostmarkWebhookPassword = "postmark", "correct horse battery"
		c.SESSNSTopicARN = testTopic
		c.SNS = webhook.SNSConfig{Client: sns.Client(), TrustedHost: func(h string) bool { return h == sns.Host() }}
	})
	return &hookBundle{testBundle: b, secret: secret, sns: sns, store: mailevent.NewStore(b.db.Pool)}
}

func (b *hookBundle) post(path string, h http.Header, body []byte) *httptest.ResponseRecorder {
	b.t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(body)))
	for k, v := range h {
		req.Header[k] = v
	}
	rec := httptest.NewRecorder()
	b.handler.ServeHTTP(rec, req)
	return rec
}

func (b *hookBundle) suppressed(addr string) bool {
	b.t.Helper()
	s, err := b.store.Suppressed(context.Background(), addr)
	require.NoError(b.t, err)
	return s
}

func (b *hookBundle) events() int {
	b.t.Helper()
	var n int
	require.NoError(b.t, b.db.Pool.QueryRow(context.Background(), "SELECT count(*) FROM mail_events").Scan(&n))
	return n
}

func counts(t *testing.T, rec *httptest.ResponseRecorder) (received, fresh int) {
	t.Helper()
	var body struct{ Received, New int }
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &body))
	return body.Received, body.New
}

func TestResendWebhook(t *testing.T) {
	t.Parallel()
	b := setupHooks(t)
	now := time.Now()
	body := providertest.ResendEvent("email.bounced", "re_1", "ada@example.com", "Permanent", now)
	h := providertest.SignSvix(b.secret, "msg_1", now, body)

	// Accepted: stored, suppressed.
	rec := b.post("/api/webhooks/resend", h, body)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	got, fresh := counts(t, rec)
	require.Equal(t, [2]int{1, 1}, [2]int{got, fresh})
	require.True(t, b.suppressed("ada@example.com"))
	require.True(t, b.suppressed("Ada@EXAMPLE.com"), "compared as accounts are")

	// Replayed within the tolerance: answered, nothing changes, even after
	// an operator took the address off the list.
	_, err := b.store.Unsuppress(context.Background(), "ada@example.com")
	require.NoError(t, err)
	rec = b.post("/api/webhooks/resend", h, body)
	require.Equal(t, http.StatusOK, rec.Code)
	_, fresh = counts(t, rec)
	require.Zero(t, fresh)
	require.False(t, b.suppressed("ada@example.com"))
	require.Equal(t, 1, b.events())

	// Forged, stale, unsigned: 401 and nothing stored.
	other := providertest.ResendEvent("email.complained", "re_2", "bob@example.com", "", now)
	for name, h := range map[string]http.Header{
		"forged":   providertest.SignSvix(providertest.SvixSecret(), "msg_2", now, other),
		"stale":    providertest.SignSvix(b.secret, "msg_2", now.Add(-10*time.Minute), other),
		"unsigned": {"Content-Type": {"application/json"}},
	} {
		rec := b.post("/api/webhooks/resend", h, other)
		require.Equal(t, http.StatusUnauthorized, rec.Code, name)
		require.Contains(t, rec.Body.String(), `"unauthorized"`)
	}
	require.False(t, b.suppressed("bob@example.com"))
	require.Equal(t, 1, b.events())

	// Malformed but signed: 400.
	bad := []byte(`{"type": "email.bounced", "data": `)
	rec = b.post("/api/webhooks/resend", providertest.SignSvix(b.secret, "msg_3", now, bad), bad)
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Contains(t, rec.Body.String(), `"invalid_request"`)

	// Unknown type: 2xx, ignored.
	opened := providertest.ResendEvent("email.opened", "re_1", "ada@example.com", "", now)
	rec = b.post("/api/webhooks/resend", providertest.SignSvix(b.secret, "msg_4", now, opened), opened)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, 1, b.events())

	// A soft bounce is recorded and suppresses nothing.
	soft := providertest.ResendEvent("email.bounced", "re_5", "cy@example.com", "Transient", now)
	rec = b.post("/api/webhooks/resend", providertest.SignSvix(b.secret, "msg_5", now, soft), soft)
	require.Equal(t, http.StatusOK, rec.Code)
	require.False(t, b.suppressed("cy@example.com"))
	require.Equal(t, 2, b.events())

	// Too large: 413 before anything is verified.
	huge := make([]byte, webhook.MaxBody+1)
	rec = b.post("/api/webhooks/resend", providertest.SignSvix(b.secret, "msg_6", now, huge), huge)
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code)
}

func TestPostmarkWebhook(t *testing.T) {
	t.Parallel()
	b := setupHooks(t)
	now := time.Now()
	auth := func(user, pass string) http.Header {
		r := httptest.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header
	}
	ok := auth("postmark", "correct horse battery")

	complaint := providertest.PostmarkBounce(7, "SpamComplaint", "pm-1", "ada@example.com", now)
	rec := b.post("/api/webhooks/postmark", ok, complaint)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.True(t, b.suppressed("ada@example.com"))

	// Replayed: Postmark carries no timestamp, so the bounce ID is what
	// makes a replay harmless.
	rec = b.post("/api/webhooks/postmark", ok, complaint)
	require.Equal(t, http.StatusOK, rec.Code)
	_, fresh := counts(t, rec)
	require.Zero(t, fresh)

	soft := providertest.PostmarkBounce(8, "SoftBounce", "pm-2", "bob@example.com", now)
	require.Equal(t, http.StatusOK, b.post("/api/webhooks/postmark", ok, soft).Code)
	require.False(t, b.suppressed("bob@example.com"))

	hard := providertest.PostmarkBounce(9, "HardBounce", "pm-3", "cy@example.com", now)
	for name, h := range map[string]http.Header{"wrong password": auth("postmark", "wrong password!"), "none": {}} {
		rec := b.post("/api/webhooks/postmark", h, hard)
		require.Equal(t, http.StatusUnauthorized, rec.Code, name)
		require.NotEmpty(t, rec.Header().Get("WWW-Authenticate"))
	}
	require.False(t, b.suppressed("cy@example.com"))
	require.Equal(t, http.StatusBadRequest, b.post("/api/webhooks/postmark", ok, []byte("{")).Code)
	require.Equal(t, http.StatusOK, b.post("/api/webhooks/postmark", ok, hard).Code)
	require.True(t, b.suppressed("cy@example.com"))
	require.Equal(t, 3, b.events())
}

func TestSESWebhook(t *testing.T) {
	t.Parallel()
	b := setupHooks(t)
	now := time.Now()
	h := http.Header{"Content-Type": {"text/plain; charset=UTF-8"}, "X-Amz-Sns-Message-Type": {"Notification"}}

	// The subscription is confirmed for our topic only.
	rec := b.post("/api/webhooks/ses", h, b.sns.SubscriptionConfirmation(testTopic, now))
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.Len(t, b.sns.Confirmed(), 1)
	rec = b.post("/api/webhooks/ses", h, b.sns.SubscriptionConfirmation("arn:aws:sns:us-east-1:123456789012:other", now))
	require.Equal(t, http.StatusForbidden, rec.Code)
	require.Len(t, b.sns.Confirmed(), 1)

	bounce := func(kind string) string {
		return `{"eventType":"Bounce","bounce":{"bounceType":"` + kind + `","bounceSubType":"General","timestamp":"2026-12-05T00:00:00.000Z",` +
			`"bouncedRecipients":[{"emailAddress":"ada@example.com","status":"5.1.1"}]},"mail":{"messageId":"ses-1"}}`
	}
	permanent := b.sns.Notification(testTopic, bounce("Permanent"), now, 1)
	rec = b.post("/api/webhooks/ses", h, permanent)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	require.True(t, b.suppressed("ada@example.com"))
	rec = b.post("/api/webhooks/ses", h, permanent) // SNS retried it
	_, fresh := counts(t, rec)
	require.Zero(t, fresh)

	complaint := `{"eventType":"Complaint","complaint":{"complainedRecipients":[{"emailAddress":"bob@example.com"}],"timestamp":"2026-12-05T00:00:00.000Z","complaintFeedbackType":"abuse"},"mail":{"messageId":"ses-2"}}`
	require.Equal(t, http.StatusOK, b.post("/api/webhooks/ses", h, b.sns.Notification(testTopic, complaint, now, 2)).Code)
	require.True(t, b.suppressed("bob@example.com"))

	transient := strings.ReplaceAll(bounce("Transient"), "ada@", "cy@")
	require.Equal(t, http.StatusOK, b.post("/api/webhooks/ses", h, b.sns.Notification(testTopic, transient, now, 2)).Code)
	require.False(t, b.suppressed("cy@example.com"))

	forged := strings.Replace(string(b.sns.Notification(testTopic, strings.ReplaceAll(bounce("Permanent"), "ada@", "dee@"), now, 2)), "dee@", "eve@", 1)
	require.Equal(t, http.StatusUnauthorized, b.post("/api/webhooks/ses", h, []byte(forged)).Code)
	stale := b.sns.Notification(testTopic, strings.ReplaceAll(bounce("Permanent"), "ada@", "eve@"), now.Add(-2*time.Hour), 2)
	require.Equal(t, http.StatusUnauthorized, b.post("/api/webhooks/ses", h, stale).Code)
	require.False(t, b.suppressed("eve@example.com"))
	require.Equal(t, http.StatusBadRequest, b.post("/api/webhooks/ses", h, []byte(`{"Type":`)).Code)
	require.Equal(t, 3, b.events())
}

func TestWebhooksAreAbsentWithoutTheirSecrets(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, p := range []string{"/api/webhooks/resend", "/api/webhooks/postmark", "/api/webhooks/ses"} {
		rec := b.do(request{method: http.MethodPost, path: p, body: `{}`})
		require.Equal(t, http.StatusNotFound, rec.Code, p)
		require.Contains(t, rec.Body.String(), `"not_found"`)
	}
}
