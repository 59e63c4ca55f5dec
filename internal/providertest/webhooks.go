package providertest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // SNS SignatureVersion 1 is SHA1withRSA.
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
)

// The webhook signers below are written from the providers' documentation,
// independently of internal/webhook, so that a test proves the receiver
// verifies what the provider sends rather than agreeing with itself.
//
// What these stand-ins cannot reproduce:
//   - Svix: the real sender's retry schedule, its IP ranges, and the
//     white-labelled "webhook-" header prefix of paid Svix plans (Resend
//     uses "svix-").
//   - SNS: the real certificate chain (Amazon's CA, which the receiver does
//     not check beyond fetching over https from an SNS host, with the
//     system roots); the regional host name (tests serve on 127.0.0.1 and
//     inject their own host rule and HTTP client); the delivery policy's
//     retry timing; and a certificate rotation.
//   - Postmark: nothing is signed; basic auth is all there is, which the
//     tests send as Postmark would.

// SvixSecret is a webhook signing secret in Svix's format, for tests.
func SvixSecret() string {
	key := make([]byte, 24)
	_, _ = rand.Read(key)
	return "whsec_" + base64.StdEncoding.EncodeToString(key)
}

// SignSvix returns the headers Svix sends with body: svix-id,
// svix-timestamp and svix-signature, "v1," followed by the base64
// HMAC-SHA256 of "<id>.<timestamp>.<body>" keyed by the base64-decoded
// secret after "whsec_". extra secrets add more space-separated
// signatures, as during a secret rotation.
func SignSvix(secret, id string, at time.Time, body []byte, extra ...string) http.Header {
	ts := strconv.FormatInt(at.Unix(), 10)
	var sigs []string
	for _, s := range append([]string{secret}, extra...) {
		key, err := base64.StdEncoding.DecodeString(s[len("whsec_"):])
		if err != nil {
			panic("providertest: bad svix secret")
		}
		mac := hmac.New(sha256.New, key)
		fmt.Fprintf(mac, "%s.%s.", id, ts)
		mac.Write(body)
		sigs = append(sigs, "v1,"+base64.StdEncoding.EncodeToString(mac.Sum(nil)))
	}
	h := http.Header{}
	h.Set("svix-id", id)
	h.Set("svix-timestamp", ts)
	h.Set("svix-signature", strings.Join(sigs, " "))
	h.Set("Content-Type", "application/json")
	return h
}

// ResendEvent is a Resend webhook body of type typ ("email.bounced", …)
// about the email with ID emailID sent to to. bounceType is "Permanent" or
// "Transient" for email.bounced, else ignored.
func ResendEvent(typ, emailID, to, bounceType string, at time.Time) []byte {
	data := map[string]any{
		"email_id": emailID, "to": []string{to}, "from": "Todo <noreply@example.com>",
		"subject": "Reset your password", "created_at": at.UTC().Format(time.RFC3339Nano),
	}
	if typ == "email.bounced" {
		data["bounce"] = map[string]string{"type": bounceType, "subType": "General", "message": "The recipient's mail server rejected the message."}
	}
	b, _ := json.Marshal(map[string]any{"type": typ, "created_at": at.UTC().Format(time.RFC3339Nano), "data": data})
	return b
}

// PostmarkBounce is a Postmark Bounce (or, with typ "SpamComplaint", a
// SpamComplaint) record with bounce ID id.
func PostmarkBounce(id int64, typ, messageID, email string, at time.Time) []byte {
	record := "Bounce"
	if typ == "SpamComplaint" {
		record = "SpamComplaint"
	}
	b, _ := json.Marshal(map[string]any{
		"RecordType": record, "ID": id, "Type": typ, "TypeCode": 1, "Name": typ, "MessageID": messageID,
		"ServerID": 1, "MessageStream": "outbound", "Description": "The server was unable to deliver your message.",
		"Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist.", "Email": email,
		"From": "noreply@example.com", "BouncedAt": at.UTC().Format(time.RFC3339Nano), "DumpAvailable": false,
		"Inactive": typ == "HardBounce", "CanActivate": true, "Subject": "Reset your password",
	})
	return b
}

// PostmarkDelivery is a Postmark Delivery record.
func PostmarkDelivery(messageID, recipient string, at time.Time) []byte {
	b, _ := json.Marshal(map[string]any{
		"RecordType": "Delivery", "ServerID": 1, "MessageStream": "outbound", "MessageID": messageID,
		"Recipient": recipient, "Tag": "", "DeliveredAt": at.UTC().Format(time.RFC3339Nano),
		"Details": "Test delivery webhook details",
	})
	return b
}

// SNS is a stand-in for Amazon SNS's side of an HTTPS subscription: it
// holds a signing key and a self-signed certificate, serves the
// certificate and the SubscribeURL over TLS on loopback, and signs
// messages as SNS documents (SignatureVersion 1 or 2).
type SNS struct {
	srv  *httptest.Server
	key  *rsa.PrivateKey
	cert []byte

	mu        sync.Mutex
	confirmed []string
	certGets  int
}

// NewSNS starts the stand-in; it stops when the test ends.
func NewSNS(t testing.TB) *SNS {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sns.us-east-1.amazonaws.com"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	s := &SNS{key: key, cert: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /SimpleNotificationService-test.pem", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.certGets++
		s.mu.Unlock()
		_, _ = w.Write(s.cert)
	})
	mux.HandleFunc("GET /confirm", func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.confirmed = append(s.confirmed, r.URL.Query().Get("Token"))
		s.mu.Unlock()
		_, _ = w.Write([]byte(`<ConfirmSubscriptionResponse/>`))
	})
	s.srv = httptest.NewTLSServer(mux)
	t.Cleanup(s.srv.Close)
	return s
}

// Client trusts the stand-in's TLS certificate.
func (s *SNS) Client() *http.Client { return s.srv.Client() }

// Host is the stand-in's host name (127.0.0.1), for the test's host rule.
func (s *SNS) Host() string {
	u, _ := url.Parse(s.srv.URL)
	return u.Hostname()
}

// CertURL is where the signing certificate is served.
func (s *SNS) CertURL() string { return s.srv.URL + "/SimpleNotificationService-test.pem" }

// Confirmed lists the tokens whose SubscribeURL was visited.
func (s *SNS) Confirmed() []string { return snapshot(&s.mu, &s.confirmed) }

// CertFetches counts the certificate downloads, to show the cache.
func (s *SNS) CertFetches() int { return get(&s.mu, &s.certGets) }

// Notification is a signed SNS Notification on topic carrying message
// (an SES event's JSON), with SignatureVersion version (1 or 2).
func (s *SNS) Notification(topic, message string, at time.Time, version int) []byte {
	m := map[string]string{
		"Type": "Notification", "MessageId": uuid.NewString(), "TopicArn": topic,
		"Message": message, "Timestamp": at.UTC().Format("2006-01-02T15:04:05.000Z"),
		"UnsubscribeURL": s.srv.URL + "/unsubscribe",
	}
	return s.sign(m, version)
}

// SubscriptionConfirmation is a signed confirmation request for topic.
func (s *SNS) SubscriptionConfirmation(topic string, at time.Time) []byte {
	token := uuid.NewString()
	m := map[string]string{
		"Type": "SubscriptionConfirmation", "MessageId": uuid.NewString(), "TopicArn": topic, "Token": token,
		"Message":      "You have chosen to subscribe to the topic " + topic + ".\nTo confirm the subscription, visit the SubscribeURL included in this message.",
		"SubscribeURL": s.srv.URL + "/confirm?Action=ConfirmSubscription&TopicArn=" + url.QueryEscape(topic) + "&Token=" + token,
		"Timestamp":    at.UTC().Format("2006-01-02T15:04:05.000Z"),
	}
	return s.sign(m, 2)
}

// Resign signs fields again, after a test changed them.
func (s *SNS) Resign(body []byte, version int) []byte {
	var m map[string]string
	if err := json.Unmarshal(body, &m); err != nil {
		panic(err)
	}
	return s.sign(m, version)
}

// signedKeys are, per message type, the fields AWS documents as signed.
var signedKeys = map[string][]string{
	"Notification":             {"Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"},
	"SubscriptionConfirmation": {"Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn", "Type"},
}

func (s *SNS) sign(m map[string]string, version int) []byte {
	keys := append([]string(nil), signedKeys[m["Type"]]...)
	sort.Strings(keys)
	var canonical []byte
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue // Subject only when present
		}
		canonical = append(canonical, k+"\n"+v+"\n"...)
	}
	var sig []byte
	var err error
	if version == 1 {
		d := sha1.Sum(canonical) //nolint:gosec // SNS v1
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA1, d[:])
	} else {
		d := sha256.Sum256(canonical)
		sig, err = rsa.SignPKCS1v15(rand.Reader, s.key, crypto.SHA256, d[:])
	}
	if err != nil {
		panic(err)
	}
	m["SignatureVersion"] = strconv.Itoa(version)
	m["Signature"] = base64.StdEncoding.EncodeToString(sig)
	m["SigningCertURL"] = s.CertURL()
	b, _ := json.Marshal(m)
	return b
}
