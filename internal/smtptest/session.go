package smtptest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// session is one SMTP session; go-smtp creates one per EHLO (and again
// after STARTTLS).
type session struct {
	s      *Server
	c      *smtp.Conn
	conn   int64
	from   string
	to     []string
	authed bool
}

// newSession implements smtp.Backend, with the StageHelo fault.
func (s *Server) newSession(c *smtp.Conn) (smtp.Session, error) {
	sess := &session{s: s, c: c, conn: connSeq(c.Conn())}
	if err := sess.fault(Attempt{Stage: StageHelo}); err != nil {
		return nil, err
	}
	return sess, nil
}

// fault consults Options.Fault and carries out what it asks: a delay, a
// dropped connection or an error reply.
func (sess *session) fault(a Attempt) error {
	hook := sess.s.opts.Fault
	if hook == nil {
		return nil
	}
	a.Seq = sess.s.nextSeq(a.Stage)
	a.Conn = sess.conn
	if a.From == "" {
		a.From = sess.from
	}
	f := hook(a)
	sess.s.sleep(f.Delay)
	if f.Drop {
		_ = sess.c.Conn().Close()
		return errors.New("smtptest: connection dropped by fault")
	}
	if f.Code != 0 {
		return smtpError(f)
	}
	return nil
}

// smtpError turns a Fault into the error go-smtp writes as the reply.
func smtpError(f Fault) *smtp.SMTPError {
	text := f.Text
	if text == "" {
		text = "injected fault"
	}
	enhanced := smtp.EnhancedCodeNotSet
	if f.EnhancedCode != "" {
		var a, b, c int
		if n, _ := fmt.Sscanf(f.EnhancedCode, "%d.%d.%d", &a, &b, &c); n == 3 {
			enhanced = smtp.EnhancedCode{a, b, c}
		}
	}
	return &smtp.SMTPError{Code: f.Code, EnhancedCode: enhanced, Message: text}
}

// AuthMechanisms implements smtp.AuthSession.
func (sess *session) AuthMechanisms() []string {
	if sess.s.opts.AuthUser == "" {
		return nil
	}
	return sess.s.opts.AuthMechanisms
}

// Auth implements smtp.AuthSession.
func (sess *session) Auth(mech string) (sasl.Server, error) {
	if sess.s.opts.AuthUser == "" || !slices.Contains(sess.s.opts.AuthMechanisms, mech) {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	check := func(username, password string) error {
		if username != sess.s.opts.AuthUser || password != sess.s.opts.AuthPass {
			return smtp.ErrAuthFailed
		}
		sess.authed = true
		return nil
	}
	switch mech {
	case sasl.Plain:
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return smtp.ErrAuthFailed
			}
			return check(username, password)
		}), nil
	case sasl.Login:
		return &loginServer{check: check}, nil
	case XOAuth2:
		return &xoauth2Server{sess: sess}, nil
	}
	return nil, smtp.ErrAuthUnknownMechanism
}

// Mail implements smtp.Session.
func (sess *session) Mail(from string, _ *smtp.MailOptions) error {
	if sess.s.opts.AuthUser != "" && !sess.authed {
		return smtp.ErrAuthRequired
	}
	if err := sess.fault(Attempt{Stage: StageMail, From: from}); err != nil {
		return err
	}
	sess.from = from
	return nil
}

// Rcpt implements smtp.Session.
func (sess *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if err := sess.fault(Attempt{Stage: StageRcpt, To: to}); err != nil {
		return err
	}
	sess.to = append(sess.to, to)
	return nil
}

// Data implements smtp.Session.
func (sess *session) Data(r io.Reader) error {
	a := Attempt{Stage: StageData}
	if len(sess.to) > 0 {
		a.To = sess.to[0]
	}
	var f Fault
	if hook := sess.s.opts.Fault; hook != nil {
		a.Seq = sess.s.nextSeq(a.Stage)
		a.Conn = sess.conn
		a.From = sess.from
		f = hook(a)
	}
	if f.Drop {
		// Read part of the body first, so the client is mid-DATA when the
		// connection goes away.
		var part [256]byte
		_, _ = io.ReadFull(r, part[:])
		sess.s.sleep(f.Delay)
		_ = sess.c.Conn().Close()
		return errors.New("smtptest: connection dropped by fault")
	}

	data, size, err := sess.read(r)
	if err != nil {
		return err
	}
	sess.s.sleep(sess.s.opts.Latency)
	sess.s.sleep(f.Delay)
	if f.Code != 0 {
		return smtpError(f)
	}
	_, isTLS := sess.c.TLSConnectionState()
	sess.s.store.add(Received{
		From: sess.from,
		To:   slices.Clone(sess.to),
		Data: data,
		Size: size,
		At:   time.Now(),
		TLS:  isTLS,
	})
	return nil
}

// read consumes the body, keeping all of it or, in Discard mode, only the
// first KeepBytes, so benchmarks do not hold every message in memory.
func (sess *session) read(r io.Reader) ([]byte, int, error) {
	if !sess.s.opts.Discard {
		var buf bytes.Buffer
		n, err := buf.ReadFrom(r)
		return buf.Bytes(), int(n), err
	}
	keep := make([]byte, sess.s.opts.KeepBytes)
	n, err := io.ReadFull(r, keep)
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return keep[:n], n, nil
	case err != nil:
		return nil, 0, err
	}
	rest, err := io.Copy(io.Discard, r)
	return keep, n + int(rest), err
}

// Reset implements smtp.Session.
func (sess *session) Reset() {
	sess.from = ""
	sess.to = nil
}

// Logout implements smtp.Session.
func (sess *session) Logout() error { return nil }

// loginServer is the server side of AUTH LOGIN, which go-sasl provides only
// as a client: prompt for the username, then the password.
type loginServer struct {
	check    func(username, password string) error
	username string
	step     int
}

// Next implements sasl.Server.
func (l *loginServer) Next(response []byte) (challenge []byte, done bool, err error) {
	switch l.step {
	case 0:
		l.step++
		if len(response) > 0 {
			// The client sent the username as an initial response.
			l.username = string(response)
			l.step++
			return []byte("Password:"), false, nil
		}
		return []byte("Username:"), false, nil
	case 1:
		l.username = string(response)
		l.step++
		return []byte("Password:"), false, nil
	case 2:
		l.step++
		if err := l.check(strings.TrimSpace(l.username), string(response)); err != nil {
			return nil, true, err
		}
		return nil, true, nil
	}
	return nil, true, errors.New("unexpected AUTH LOGIN step")
}

// XOAuth2 is the SASL mechanism of Google and Microsoft for OAuth 2.0
// bearer tokens.
const XOAuth2 = "XOAUTH2"

// xoauth2Server is the server side of SASL XOAUTH2 as Google's "OAuth 2.0
// Mechanism" page and Microsoft's "Authenticate an IMAP, POP or SMTP
// connection using OAuth" document it: the client's (initial) response is
// "user=" user ^A "auth=Bearer " token ^A ^A; success is 235. On failure
// Gmail sends a 334 challenge carrying a base64 JSON error
// ({"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}),
// the client answers with an empty line, and Gmail then replies 535 5.7.8;
// Exchange Online replies 535 5.7.3 Authentication unsuccessful at once.
//
// What it cannot reproduce: the servers' own checks of a token (tenant,
// audience, the mailbox permission of an Exchange service principal,
// Google's per-user SMTP setting); here a token is good when the token
// server issued it for the right scope and user and it has not expired.
type xoauth2Server struct {
	sess *session
	// failed is set once the error challenge went out; the next response
	// must be the client's empty line.
	failed bool
}

// Next implements sasl.Server.
func (x *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	if x.failed {
		if len(response) != 0 {
			return nil, true, &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Syntax error, expected an empty response after the error challenge"}
		}
		return nil, true, &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "Username and Password not accepted. For more information, go to https://support.google.com/mail/?p=BadCredentials"}
	}
	if response == nil {
		// No initial response: ask for it with an empty challenge.
		return []byte{}, false, nil
	}
	fields := strings.Split(string(response), "\x01")
	var user, token string
	for _, f := range fields {
		if v, ok := strings.CutPrefix(f, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(f, "auth=Bearer "); ok {
			token = v
		}
	}
	if len(fields) != 4 || fields[2] != "" || fields[3] != "" || user == "" || token == "" {
		return nil, true, &smtp.SMTPError{Code: 501, EnhancedCode: smtp.EnhancedCode{5, 5, 2}, Message: "Cannot decode the XOAUTH2 response"}
	}
	opts := x.sess.s.opts
	if strings.EqualFold(user, opts.AuthUser) && opts.XOAuth2 != nil && opts.XOAuth2(token) {
		x.sess.authed = true
		return nil, true, nil
	}
	if opts.XOAuth2Microsoft {
		return nil, true, &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 3}, Message: "Authentication unsuccessful [SN4PR0601CA0013.namprd06.prod.outlook.com]"}
	}
	x.failed = true
	return []byte(`{"status":"400","schemes":"Bearer","scope":"https://mail.google.com/"}`), false, nil
}
