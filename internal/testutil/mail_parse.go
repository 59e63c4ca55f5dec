package testutil

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"regexp"
	"strings"
)

// ParsedMail is a received message decoded the way a mail client would.
type ParsedMail struct {
	// Header is the top-level header.
	Header mail.Header
	// Subject is the decoded Subject header.
	Subject string
	// Text is the decoded text/plain part.
	Text string
	// HTML is the decoded text/html part.
	HTML string
}

// ParseMail decodes a raw message, including multipart/alternative bodies
// and quoted-printable or base64 parts.
func ParseMail(raw []byte) (*ParsedMail, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("read message: %w", err)
	}
	out := &ParsedMail{Header: msg.Header}
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(msg.Header.Get("Subject")); err != nil {
		return nil, fmt.Errorf("subject: %w", err)
	}
	if err := out.walk(msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body); err != nil {
		return nil, err
	}
	return out, nil
}

func (p *ParsedMail) walk(contentType, encoding string, body io.Reader) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		mediaType = "text/plain"
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			part, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return fmt.Errorf("multipart: %w", err)
			}
			if err := p.walk(part.Header.Get("Content-Type"), part.Header.Get("Content-Transfer-Encoding"), part); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(encoding) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("read %s part: %w", mediaType, err)
	}
	switch mediaType {
	case "text/plain":
		p.Text = string(b)
	case "text/html":
		p.HTML = string(b)
	}
	return nil
}

// resetTokenPattern finds the token in a reset link.
var resetTokenPattern = regexp.MustCompile(`reset-password\?token=([A-Za-z0-9_\-]{43})`)

// ResetToken extracts the token from the reset link in s, or "".
func ResetToken(s string) string {
	m := resetTokenPattern.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	return m[1]
}
