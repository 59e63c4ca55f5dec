package webhook_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mailevent"
	"github.com/todoapp/resetmail/internal/providertest"
	"github.com/todoapp/resetmail/internal/webhook"
)

// The events below are signed by providertest's signers, written from the
// providers' documentation independently of the verifiers under test.

// newResend is a Resend receiver with a fresh secret and a clock stopped
// at now.
func newResend(t *testing.T) (r *webhook.Resend, secret string, now time.Time) {
	t.Helper()
	now = time.Now()
	secret = providertest.SvixSecret()
	r, err := webhook.NewResend(secret, func() time.Time { return now })
	require.NoError(t, err)
	return r, secret, now
}

func TestResendAcceptsWhatSvixSigns(t *testing.T) {
	t.Parallel()
	r, secret, now := newResend(t)

	body := providertest.ResendEvent("email.bounced", "em_1", "Ada@Example.COM", "Permanent", now)
	events, err := r.Read(providertest.SignSvix(secret, "msg_1", now, body), body)
	require.NoError(t, err)
	require.Len(t, events, 1)
	e := events[0]
	require.Equal(t, "msg_1", e.EventID)
	require.Equal(t, "Ada@example.com", e.Recipient, "the account rule's normal form: domain lower-cased")
	require.Equal(t, mailevent.TypeHardBounce, e.Type)
	require.Equal(t, "em_1", e.MessageID)
	require.NotContains(t, e.Detail, "@")

	soft := providertest.ResendEvent("email.bounced", "em_2", "ada@example.com", "Transient", now)
	events, err = r.Read(providertest.SignSvix(secret, "msg_2", now, soft), soft)
	require.NoError(t, err)
	require.Equal(t, mailevent.TypeSoftBounce, events[0].Type)

	for typ, want := range map[string]string{
		"email.delivered": mailevent.TypeDelivered, "email.delivery_delayed": mailevent.TypeDelayed,
		"email.complained": mailevent.TypeComplaint,
	} {
		b := providertest.ResendEvent(typ, "em_3", "ada@example.com", "", now)
		events, err := r.Read(providertest.SignSvix(secret, "msg_"+typ, now, b), b)
		require.NoError(t, err, typ)
		require.Equal(t, want, events[0].Type, typ)
	}

	// While a secret rotates, Svix lists several signatures; one match is
	// enough, whichever position it has.
	other := providertest.SvixSecret()
	h := providertest.SignSvix(other, "msg_rot", now, body, secret)
	_, err = r.Read(h, body)
	require.NoError(t, err)

	// An event type we do not use is no error and yields nothing.
	opened := providertest.ResendEvent("email.opened", "em_1", "ada@example.com", "", now)
	events, err = r.Read(providertest.SignSvix(secret, "msg_o", now, opened), opened)
	require.NoError(t, err)
	require.Empty(t, events)
}

func TestResendRefusesForgedStaleAndMalformed(t *testing.T) {
	t.Parallel()
	r, secret, now := newResend(t)
	body := providertest.ResendEvent("email.complained", "em_1", "ada@example.com", "", now)

	unauthorized := map[string]http.Header{
		"signed with another secret": providertest.SignSvix(providertest.SvixSecret(), "msg_1", now, body),
		"no headers":                 {},
		"six minutes old":            providertest.SignSvix(secret, "msg_1", now.Add(-6*time.Minute), body),
		"six minutes ahead":          providertest.SignSvix(secret, "msg_1", now.Add(6*time.Minute), body),
	}
	h := providertest.SignSvix(secret, "msg_1", now, body)
	h.Set("svix-id", "msg_2")
	unauthorized["id swapped after signing"] = h
	h = providertest.SignSvix(secret, "msg_1", now, body)
	h.Set("svix-signature", strings.Replace(h.Get("svix-signature"), "v1,", "v2,", 1))
	unauthorized["unknown signature version"] = h
	for name, h := range unauthorized {
		_, err := r.Read(h, body)
		require.ErrorIs(t, err, webhook.ErrUnauthorized, name)
	}
	// The body changed after signing.
	_, err := r.Read(providertest.SignSvix(secret, "msg_1", now, body), append([]byte(" "), body...))
	require.ErrorIs(t, err, webhook.ErrUnauthorized)

	// Within the tolerance, a few minutes either way is fine.
	_, err = r.Read(providertest.SignSvix(secret, "msg_1", now.Add(-4*time.Minute), body), body)
	require.NoError(t, err)

	// Signed but not JSON, or JSON without a type: 400.
	for _, bad := range []string{`{"type":`, `[]`, `{"data":{}}`, `{"type":"email.bounced","data":{"to":[]}}`} {
		_, err := r.Read(providertest.SignSvix(secret, "msg_m", now, []byte(bad)), []byte(bad))
		require.ErrorIs(t, err, webhook.ErrMalformed, bad)
	}

	_, err = webhook.NewResend("not-a-secret", nil)
	require.Error(t, err)
	_, err = webhook.NewResend("whsec_"+base64.StdEncoding.EncodeToString([]byte("short")), nil)
	require.Error(t, err)
}

func TestPostmarkChecksBasicAuthAndSortsBounces(t *testing.T) {
	t.Parallel()
	now := time.Now()
	p := webhook.NewPostmark("hooks", "correct horse battery", nil)
	auth := func(user, pass string) http.Header {
		r, _ := http.NewRequest(http.MethodPost, "/", nil)
		r.SetBasicAuth(user, pass)
		return r.Header
	}
	ok := auth("hooks", "correct horse battery")

	cases := []struct {
		body []byte
		want string
	}{
		{providertest.PostmarkBounce(1, "HardBounce", "pm-1", "ada@example.com", now), mailevent.TypeHardBounce},
		{providertest.PostmarkBounce(2, "BadEmailAddress", "pm-1", "ada@example.com", now), mailevent.TypeHardBounce},
		{providertest.PostmarkBounce(3, "SoftBounce", "pm-1", "ada@example.com", now), mailevent.TypeSoftBounce},
		{providertest.PostmarkBounce(4, "Transient", "pm-1", "ada@example.com", now), mailevent.TypeSoftBounce},
		{providertest.PostmarkBounce(5, "SpamComplaint", "pm-1", "ada@example.com", now), mailevent.TypeComplaint},
		{providertest.PostmarkDelivery("pm-1", "ada@example.com", now), mailevent.TypeDelivered},
	}
	for _, c := range cases {
		events, err := p.Read(ok, c.body)
		require.NoError(t, err, string(c.body))
		require.Len(t, events, 1)
		require.Equal(t, c.want, events[0].Type, string(c.body))
		require.Equal(t, "pm-1", events[0].MessageID)
	}
	// The bounce ID is a 64-bit number; it must survive exactly.
	big := providertest.PostmarkBounce(4323372036854775807, "HardBounce", "pm-1", "ada@example.com", now)
	events, err := p.Read(ok, big)
	require.NoError(t, err)
	require.Equal(t, "bounce:4323372036854775807", events[0].EventID)

	for name, h := range map[string]http.Header{
		"none": {}, "wrong password": auth("hooks", "wrong"), "wrong user": auth("other", "correct horse battery"),
	} {
		_, err := p.Read(h, cases[0].body)
		require.ErrorIs(t, err, webhook.ErrUnauthorized, name)
	}
	for _, bad := range []string{`{`, `{"RecordType":"Bounce","Email":"a@example.com"}`, `{"Type":"HardBounce"}`, `{"RecordType":"Delivery","MessageID":"x"}`} {
		_, err := p.Read(ok, []byte(bad))
		require.ErrorIs(t, err, webhook.ErrMalformed, bad)
	}
	events, err = p.Read(ok, []byte(`{"RecordType":"Open","MessageID":"pm-1"}`))
	require.NoError(t, err)
	require.Empty(t, events)
}

const topic = "arn:aws:sns:us-east-1:123456789012:ses-events"

func newSNS(t *testing.T, now time.Time) (*webhook.SNS, *providertest.SNS) {
	stand := providertest.NewSNS(t)
	v, err := webhook.NewSNS(webhook.SNSConfig{
		TopicARN: topic, Client: stand.Client(),
		TrustedHost: func(h string) bool { return h == stand.Host() },
		Now:         func() time.Time { return now },
	})
	require.NoError(t, err)
	return v, stand
}

func sesBounce(bounceType string) string {
	b, _ := json.Marshal(map[string]any{
		"eventType": "Bounce",
		"bounce": map[string]any{
			"bounceType": bounceType, "bounceSubType": "General", "timestamp": "2026-12-05T00:00:00.000Z",
			"bouncedRecipients": []map[string]string{{"emailAddress": "ada@example.com", "status": "5.1.1", "diagnosticCode": "smtp; 550 5.1.1 ada@example.com unknown"}},
		},
		"mail": map[string]any{"messageId": "ses-1", "destination": []string{"ada@example.com"}},
	})
	return string(b)
}

func TestSNSVerifiesBothSignatureVersionsAndCachesTheCertificate(t *testing.T) {
	t.Parallel()
	now := time.Now()
	v, stand := newSNS(t, now)
	ctx := context.Background()

	for _, version := range []int{1, 2} {
		m, err := v.Verify(ctx, stand.Notification(topic, sesBounce("Permanent"), now, version))
		require.NoError(t, err, "SignatureVersion %d", version)
		events, err := webhook.SESEvents(m)
		require.NoError(t, err)
		require.Len(t, events, 1)
		require.Equal(t, mailevent.TypeHardBounce, events[0].Type)
		require.Equal(t, "ses-1", events[0].MessageID)
		require.Equal(t, m.MessageID, events[0].EventID)
		require.NotContains(t, events[0].Detail, "ada@")
	}
	require.Equal(t, 1, stand.CertFetches(), "the certificate is fetched once, then cached")

	m, err := v.Verify(ctx, stand.Notification(topic, sesBounce("Transient"), now, 2))
	require.NoError(t, err)
	events, err := webhook.SESEvents(m)
	require.NoError(t, err)
	require.Equal(t, mailevent.TypeSoftBounce, events[0].Type)

	// A subscription confirmation for our topic is verified, then
	// confirmed by visiting SubscribeURL.
	m, err = v.Verify(ctx, stand.SubscriptionConfirmation(topic, now))
	require.NoError(t, err)
	require.NoError(t, v.Confirm(ctx, m))
	require.Len(t, stand.Confirmed(), 1)
}

func TestSNSRefusesForgedStaleForeignAndMalformed(t *testing.T) {
	t.Parallel()
	now := time.Now()
	v, stand := newSNS(t, now)
	ctx := context.Background()
	good := stand.Notification(topic, sesBounce("Permanent"), now, 2)

	tamper := func(field, value string) []byte { return tamperWith(t, good, field, value) }
	forger := providertest.NewSNS(t) // a key of its own
	forged := tamperWith(t, forger.Notification(topic, sesBounce("Permanent"), now, 2), "SigningCertURL", stand.CertURL())
	for name, body := range map[string][]byte{
		"message changed after signing": tamper("Message", sesBounce("Transient")),
		"signed with another key":       forged,
		"unknown signature version":     tamper("SignatureVersion", "3"),
		"certificate over http":         tamper("SigningCertURL", strings.Replace(stand.CertURL(), "https:", "http:", 1)),
		"certificate from another host": tamper("SigningCertURL", "https://sns.us-east-1.amazonaws.com.evil.example/x.pem"),
		"two hours old":                 stand.Notification(topic, sesBounce("Permanent"), now.Add(-2*time.Hour), 2),
	} {
		_, err := v.Verify(ctx, body)
		require.ErrorIs(t, err, webhook.ErrUnauthorized, name)
	}
	// Signed by SNS, but for another topic.
	_, err := v.Verify(ctx, stand.Notification("arn:aws:sns:us-east-1:123456789012:other", sesBounce("Permanent"), now, 2))
	require.ErrorIs(t, err, webhook.ErrForbidden)
	_, err = v.Verify(ctx, stand.SubscriptionConfirmation("arn:aws:sns:us-east-1:123456789012:other", now))
	require.ErrorIs(t, err, webhook.ErrForbidden)

	for _, bad := range []string{`{`, `{"Type":"Notification"}`, `"x"`} {
		_, err := v.Verify(ctx, []byte(bad))
		require.ErrorIs(t, err, webhook.ErrMalformed, bad)
	}
	// A verified notification whose Message is not an SES event.
	m, err := v.Verify(ctx, stand.Notification(topic, "not json", now, 2))
	require.NoError(t, err)
	_, err = webhook.SESEvents(m)
	require.ErrorIs(t, err, webhook.ErrMalformed)
	// An SES event type we do not use.
	m, err = v.Verify(ctx, stand.Notification(topic, `{"eventType":"Open","mail":{"messageId":"ses-1"}}`, now, 2))
	require.NoError(t, err)
	events, err := webhook.SESEvents(m)
	require.NoError(t, err)
	require.Empty(t, events)
}

func tamperWith(t *testing.T, body []byte, field, value string) []byte {
	var m map[string]string
	require.NoError(t, json.Unmarshal(body, &m))
	m[field] = value
	b, _ := json.Marshal(m)
	return b
}

func TestProductionSNSHostRule(t *testing.T) {
	t.Parallel()
	for _, h := range []string{"sns.us-east-1.amazonaws.com", "sns.eu-central-1.amazonaws.com", "sns.us-gov-west-1.amazonaws.com", "sns.cn-north-1.amazonaws.com.cn"} {
		require.True(t, webhook.ProductionSNSHost(h), h)
	}
	for _, h := range []string{"sns.amazonaws.com", "sns.us-east-1.amazonaws.com.evil.example", "evil.example", "sqs.us-east-1.amazonaws.com", "127.0.0.1", "xsns.us-east-1.amazonaws.com"} {
		require.False(t, webhook.ProductionSNSHost(h), h)
	}
}
