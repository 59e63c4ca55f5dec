package mail

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// baseMessage is a valid message that tests vary one field at a time.
func baseMessage() Message {
	return Message{
		From:    "Todo <no-reply@example.com>",
		To:      "john@example.com",
		ToName:  "John",
		Subject: "Reset your Todo password",
		Text:    "Open https://todo.example.com/reset?token=abc\n",
		HTML:    "<p>Open <a href=\"https://todo.example.com/reset?token=abc\">this</a></p>",
		Date:    time.Date(2030, 1, 2, 19, 15, 0, 0, time.UTC),
	}
}

// parse reads composed bytes back with the standard library, which is what
// a receiving client sees.
func parse(t testing.TB, raw []byte) *mail.Message {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	require.NoError(t, err)
	return msg
}

// parts decodes a multipart/alternative body into content type → text.
func parts(t *testing.T, msg *mail.Message) map[string]string {
	t.Helper()
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	require.NoError(t, err)
	require.Equal(t, "multipart/alternative", mediaType)
	out := map[string]string{}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		require.NoError(t, err)
		require.Equal(t, "quoted-printable", p.Header.Get("Content-Transfer-Encoding"))
		body, err := io.ReadAll(quotedprintable.NewReader(p))
		require.NoError(t, err)
		ct, _, err := mime.ParseMediaType(p.Header.Get("Content-Type"))
		require.NoError(t, err)
		out[ct] = string(body)
	}
	return out
}

func TestComposeMultipartAlternative(t *testing.T) {
	t.Parallel()
	m := baseMessage()
	raw, err := Compose(m)
	require.NoError(t, err)

	msg := parse(t, raw)
	require.Equal(t, "Reset your Todo password", msg.Header.Get("Subject"))
	require.Equal(t, "1.0", msg.Header.Get("Mime-Version"))
	date, err := msg.Header.Date()
	require.NoError(t, err)
	require.True(t, date.Equal(m.Date))

	from, err := msg.Header.AddressList("From")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{{Name: "Todo", Address: "no-reply@example.com"}}, from)
	to, err := msg.Header.AddressList("To")
	require.NoError(t, err)
	require.Equal(t, []*mail.Address{{Name: "John", Address: "john@example.com"}}, to)

	got := parts(t, msg)
	require.Len(t, got, 2)
	require.Equal(t, strings.ReplaceAll(m.Text, "\n", "\r\n"), got["text/plain"])
	require.Equal(t, m.HTML, got["text/html"])
}

func TestComposeMessageIDUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 200 {
		raw, err := Compose(baseMessage())
		require.NoError(t, err)
		id := parse(t, raw).Header.Get("Message-Id")
		require.Regexp(t, `^<[0-9a-f]{32}@example\.com>$`, id)
		require.False(t, seen[id], "duplicate Message-ID %s", id)
		seen[id] = true
	}

	m := baseMessage()
	m.MessageID = "abc@todo.example.com"
	raw, err := Compose(m)
	require.NoError(t, err)
	require.Equal(t, "<abc@todo.example.com>", parse(t, raw).Header.Get("Message-Id"))

	m.MessageID = "bad id\r\nBcc: x@evil.com"
	_, err = Compose(m)
	require.Error(t, err)
}

// TestComposeBadField: each case is a message with one bad field. Compose
// rejects it without naming the recipient; a header injection may instead be
// cleaned, as long as the mail then carries no Bcc and its one recipient.
func TestComposeBadField(t *testing.T) {
	t.Parallel()
	const to = "secret.person@example.com"
	type badField struct {
		name   string
		mutate func(*Message)
		// mayClean: a header injection, where rejecting the value (for its
		// control characters) is as good as cleaning it.
		mayClean bool
	}
	cases := []badField{
		{"name CRLF", func(m *Message) { m.ToName = "Eve\r\nBcc: x@evil.com" }, true},
		{"name LF", func(m *Message) { m.ToName = "Eve\nBcc: x@evil.com" }, true},
		{"name CR", func(m *Message) { m.ToName = "Eve\rBcc: x@evil.com" }, true},
		{"name unicode LS", func(m *Message) { m.ToName = "Eve\u2028Bcc: x@evil.com" }, true},
		{"subject CRLF", func(m *Message) { m.Subject = "Hi\r\nBcc: x@evil.com" }, true},
		{"header value CRLF", func(m *Message) { m.Headers = map[string]string{"X-Ref": "1\r\nBcc: x@evil.com"} }, true},
		{"from name CRLF", func(m *Message) { m.From = "\"Todo\r\nBcc: x@evil.com\" <no-reply@example.com>" }, true},
		{"encoded-word name", func(m *Message) { m.ToName = "=?utf-8?q?Eve=0D=0ABcc:_x@evil.com?=" }, true},
		{"name with brackets", func(m *Message) { m.ToName = "Eve <x@evil.com>, Bcc: y@evil.com" }, true},
		{"long comma name", func(m *Message) { m.ToName = strings.Repeat("Doe, Jöhn ", 20) + "\r\nBcc: x@evil.com" }, true},
		{"no from", func(m *Message) { m.From = "" }, false},
		{"bad from", func(m *Message) { m.From = "not an address" }, false},
		{"no to", func(m *Message) { m.To = "" }, false},
		{"bad to", func(m *Message) { m.To = "john.example.com" }, false},
		{"to with CRLF", func(m *Message) { m.To = "john@example.com\r\nBcc: x@evil.com" }, false},
		{"no body", func(m *Message) { m.Text, m.HTML = "", "" }, false},
	}
	for _, name := range []string{"X-Bad\r\nBcc", "X Bad", "X:Bad", "", "Bcc", "to", "Content-Type"} {
		cases = append(cases, badField{"header name " + name, func(m *Message) { m.Headers = map[string]string{name: "v"} }, false})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			m := baseMessage()
			m.To = to
			tc.mutate(&m)
			raw, err := Compose(m)
			if err != nil {
				require.NotContains(t, err.Error(), "secret.person@")
				if tc.mayClean {
					require.ErrorContains(t, err, "control characters")
				}
				return
			}
			require.True(t, tc.mayClean, "Compose accepted a bad message")
			header, _, ok := bytes.Cut(raw, []byte("\r\n\r\n"))
			require.True(t, ok)
			require.NotContains(t, strings.ToLower(string(header)), "\nbcc:")
			msg := parse(t, raw)
			require.Empty(t, msg.Header["Bcc"])
			got, err := msg.Header.AddressList("To")
			require.NoError(t, err)
			require.Len(t, got, 1)
			require.Equal(t, to, got[0].Address)
		})
	}
}

func TestComposeCarriesExtraHeaders(t *testing.T) {
	t.Parallel()
	m := baseMessage()
	m.Headers = map[string]string{"X-Entity-Ref-ID": "job-42"}
	raw, err := Compose(m)
	require.NoError(t, err)
	require.Equal(t, "job-42", parse(t, raw).Header.Get("X-Entity-Ref-Id"))
}

func TestComposeNonASCIINames(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"Élodie Durand", "Doe, John", "Eve <x@evil.com>, Bob", "Zoë, \"the\" <boss>", "山田 太郎", "Ωmega (test)", strings.Repeat("Doe, Jöhn ", 20) + "end"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			m := baseMessage()
			m.ToName = name
			m.From = "Todo Café <no-reply@example.com>"
			m.Subject = "Réinitialisez votre mot de passe"
			raw, err := Compose(m)
			require.NoError(t, err)
			header, _, _ := bytes.Cut(raw, []byte("\r\n\r\n"))
			for _, b := range header {
				require.Less(t, b, byte(0x80), "headers must be 7-bit")
			}
			msg := parse(t, raw)
			to, err := msg.Header.AddressList("To")
			require.NoError(t, err)
			require.Equal(t, []*mail.Address{{Name: name, Address: "john@example.com"}}, to)
			from, err := msg.Header.AddressList("From")
			require.NoError(t, err)
			require.Equal(t, "Todo Café", from[0].Name)
			subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
			require.NoError(t, err)
			require.Equal(t, m.Subject, subject)
		})
	}
}

func TestNewFrom(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"no-reply@example.com":               "no-reply@example.com",
		"Todo <no-reply@example.com>":        "no-reply@example.com",
		"\"Todo, Inc.\" <no-reply@todo.dev>": "no-reply@todo.dev",
		"  <bounce@example.com>  ":           "bounce@example.com",
	} {
		from, err := NewFrom(in)
		require.NoError(t, err, in)
		require.Equal(t, want, from.Address(), "the envelope sender")
		require.Equal(t, in, from.String(), "as configured")
	}
	for _, in := range []string{"", "Todo", "Todo <>", "a@b\r\nBcc: c@d", "Todo <no-reply@example.com>, x@y.com", "\"a,b\"@example.com"} {
		_, err := NewFrom(in)
		require.Error(t, err, "%q", in)
	}
	from, err := NewFrom("Todo <no-reply@example.com>")
	require.NoError(t, err)
	require.Equal(t, `"Todo" <no-reply@example.com>`, from.formatted, "the display name kept for the header")
}

func TestComposeContentLanguageAndStableBytes(t *testing.T) {
	t.Parallel()
	out := Rendered{Lang: "de", Subject: "Todo: Passwort zurücksetzen", Text: "Passwort zurücksetzen: https://app.example.com/reset-password?token=abc\n", HTML: `<html lang="de"><p>Passwort zurücksetzen</p></html>`}
	from, err := NewFrom("Todo <no-reply@example.com>")
	require.NoError(t, err)
	m := NewMessage(from, "ada@example.com", out)
	m.Date = time.Date(2030, 1, 2, 19, 15, 0, 0, time.UTC)
	m.MessageID = "<fixed@example.com>"
	first, err := Compose(m)
	require.NoError(t, err)
	second, err := Compose(m)
	require.NoError(t, err)
	// The same mail is the same bytes: the boundary comes from the content.
	require.Equal(t, string(first), string(second))

	msg := parse(t, first)
	require.Equal(t, "de", msg.Header.Get("Content-Language"))
	to, err := msg.Header.AddressList("To")
	require.NoError(t, err)
	require.Equal(t, "", to[0].Name, "no display name: it would be user-chosen text")
	got := parts(t, msg)
	require.Contains(t, got["text/html"], `<html lang="de">`)
	require.Contains(t, got["text/plain"], "Passwort")

	m.Language = "not a tag!"
	_, err = Compose(m)
	require.Error(t, err)
	_, err = Compose(Message{From: "a@example.com", To: "b@example.com", Text: "x", Headers: map[string]string{"Content-Language": "fr"}})
	require.ErrorContains(t, err, "set by Compose")
}
