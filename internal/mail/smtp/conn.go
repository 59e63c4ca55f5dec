package smtp

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/textproto"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/addr"
)

// conn is one SMTP client connection, ready for transactions once
// transport.open returns it. It is used by one goroutine at a time: the
// Sender's pool hands it out exclusively.
//
// It is a small transport of its own over net/textproto rather than
// net/smtp, because net/smtp has no per-command deadlines and no
// PIPELINING, and rather than jordan-wright/email's Pool, which has no dial
// timeout or command deadlines, upgrades to TLS only opportunistically,
// reuses idle connections unchecked and redials in a hot loop when the
// server is down.
type conn struct {
	nc net.Conn
	br *bufio.Reader
	r  *textproto.Reader
	w  *bufio.Writer
	tw *textproto.Writer

	// ext holds the EHLO keywords in upper case, mapped to their parameters.
	ext   map[string]string
	isTLS bool
	// lastUsed is when the connection went back to the pool.
	lastUsed time.Time
}

// newConn wraps nc with buffered reading and writing.
func newConn(nc net.Conn) *conn {
	c := &conn{}
	c.wrap(nc)
	return c
}

// wrap (re)binds the buffers to nc; STARTTLS calls it again with the TLS
// connection.
func (c *conn) wrap(nc net.Conn) {
	c.nc = nc
	c.br = bufio.NewReaderSize(nc, 4096)
	c.r = textproto.NewReader(c.br)
	c.w = bufio.NewWriterSize(nc, 16<<10)
	c.tw = textproto.NewWriter(c.w)
}

// setDeadline bounds the next exchange by timeout, or by the context's
// deadline when that comes first.
func (c *conn) setDeadline(ctx context.Context, timeout time.Duration) {
	t := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(t) {
		t = d
	}
	_ = c.nc.SetDeadline(t)
}

// watch closes the connection as soon as ctx ends, which makes any blocked
// read or write return at once: that is how a hung server is kept from
// outliving the job. The returned function stops watching and reports false
// when the connection was already closed because of ctx.
func (c *conn) watch(ctx context.Context) (stop func() bool) {
	nc := c.nc
	return context.AfterFunc(ctx, func() { _ = nc.Close() })
}

// cmd writes one command line and flushes it.
func (c *conn) cmd(line string) error {
	if _, err := c.w.WriteString(line); err != nil {
		return err
	}
	if _, err := c.w.WriteString("\r\n"); err != nil {
		return err
	}
	return c.w.Flush()
}

// reply reads one (possibly multi-line) reply.
func (c *conn) reply() (int, string, error) {
	code, msg, err := c.r.ReadResponse(0)
	var protoErr *textproto.Error
	if errors.As(err, &protoErr) {
		// ReadResponse(0) reports a well-formed reply as an error only when
		// continuation lines disagree on the code; the code is still usable.
		return protoErr.Code, protoErr.Msg, nil
	}
	return code, msg, err
}

// hello sends EHLO, falling back to HELO for a server that rejects EHLO,
// and records the extensions.
func (c *conn) hello(name string) error {
	if err := c.cmd("EHLO " + name); err != nil {
		return netError(mail.StageEHLO, err)
	}
	code, msg, err := c.reply()
	if err != nil {
		return netError(mail.StageEHLO, err)
	}
	if code == 250 {
		c.ext = parseExtensions(msg)
		return nil
	}
	if code != 500 && code != 502 {
		return replyError(mail.StageEHLO, code, msg)
	}
	if err := c.cmd("HELO " + name); err != nil {
		return netError(mail.StageEHLO, err)
	}
	if code, msg, err = c.reply(); err != nil {
		return netError(mail.StageEHLO, err)
	}
	if code != 250 {
		return replyError(mail.StageEHLO, code, msg)
	}
	c.ext = map[string]string{}
	return nil
}

// parseExtensions turns the EHLO reply lines after the first into a map of
// upper-case keyword to parameters.
func parseExtensions(msg string) map[string]string {
	ext := map[string]string{}
	lines := strings.Split(msg, "\n")
	for _, line := range lines[1:] {
		keyword, params, _ := strings.Cut(strings.TrimSpace(line), " ")
		if keyword != "" {
			ext[strings.ToUpper(keyword)] = params
		}
	}
	return ext
}

// has reports whether the server advertised an extension.
func (c *conn) has(keyword string) bool {
	_, ok := c.ext[keyword]
	return ok
}

// startTLS upgrades the connection with STARTTLS.
func (c *conn) startTLS(ctx context.Context, cfg *tls.Config) error {
	if err := c.cmd("STARTTLS"); err != nil {
		return netError(mail.StageTLS, err)
	}
	code, msg, err := c.reply()
	if err != nil {
		return netError(mail.StageTLS, err)
	}
	if code != 220 {
		return replyError(mail.StageTLS, code, msg)
	}
	if c.br.Buffered() > 0 {
		// Bytes that arrived before the handshake were not protected by TLS;
		// accepting them would allow a man in the middle to inject replies
		// (the STARTTLS command injection class of bugs).
		return &mail.SendError{Temporary: false, Stage: mail.StageTLS, Text: "server sent data after its STARTTLS reply; refusing to continue"}
	}
	tc := tls.Client(c.nc, cfg)
	if err := tc.HandshakeContext(ctx); err != nil {
		return netError(mail.StageTLS, err)
	}
	c.wrap(tc)
	c.isTLS = true
	return nil
}

// auth authenticates as cfg.Auth says: PLAIN, or LOGIN when the server
// offers only that (auto); the one named (plain, login); or XOAUTH2 with a
// token from cfg.Tokens. It returns the mechanism used. Credentials and
// tokens alike go only over TLS or to a loopback host.
func (c *conn) auth(ctx context.Context, cfg SenderConfig) (string, error) {
	if !c.isTLS && !mail.IsLoopbackHost(cfg.Host) {
		return "", configError(mail.StageAuth, ErrInsecureAuth)
	}
	if !c.has("AUTH") {
		return "", &mail.SendError{Stage: mail.StageAuth, Text: "server does not advertise AUTH but a username is configured", Err: ErrAuthNotOffered}
	}
	mechs := strings.Fields(strings.ToUpper(c.ext["AUTH"]))
	offered := func(mech string) error {
		if slices.Contains(mechs, mech) {
			return nil
		}
		return &mail.SendError{Stage: mail.StageAuth, Text: "server offers AUTH " + strings.Join(mechs, " ") + " but not " + mech + " (SMTP_AUTH=" + string(cfg.Auth) + ")", Err: ErrAuthNotOffered}
	}
	switch cfg.Auth {
	case AuthPlain:
		if err := offered("PLAIN"); err != nil {
			return "", err
		}
		return "PLAIN", c.authPlain(cfg.Username, cfg.Password)
	case AuthLogin:
		if err := offered("LOGIN"); err != nil {
			return "", err
		}
		return "LOGIN", c.authLogin(cfg.Username, cfg.Password)
	case AuthXOAuth2:
		if err := offered("XOAUTH2"); err != nil {
			return "", err
		}
		return "XOAUTH2", c.authXOAuth2(ctx, cfg.Username, cfg.Tokens)
	}
	switch {
	case slices.Contains(mechs, "PLAIN"):
		return "PLAIN", c.authPlain(cfg.Username, cfg.Password)
	case slices.Contains(mechs, "LOGIN"):
		return "LOGIN", c.authLogin(cfg.Username, cfg.Password)
	}
	return "", &mail.SendError{Stage: mail.StageAuth, Text: "server offers AUTH " + strings.Join(mechs, " ") + " but neither PLAIN nor LOGIN", Err: ErrAuthNotOffered}
}

// authXOAuth2 sends the token with SASL XOAUTH2. When the server refuses a
// token that has not expired (revoked, or keys rolled over), it drops the
// token and tries once more with a fresh one; a second refusal is the
// configuration's fault (the mailbox permission, the delegation's scope).
func (c *conn) authXOAuth2(ctx context.Context, username string, tokens Tokens) error {
	for try := 0; ; try++ {
		token, err := tokens.AccessToken(ctx)
		if err != nil {
			var se *mail.SendError
			if errors.As(err, &se) {
				return se
			}
			return netError(mail.StageAuth, err)
		}
		se := c.xoauth2(username, token)
		if se == nil {
			return nil
		}
		if se.Code == 535 && try == 0 && tokens.Invalidate(token) {
			continue
		}
		if se.Code/100 == 5 {
			se.Text += " (XOAUTH2 refused the token for SMTP_USERNAME: for Microsoft 365 check the Exchange service principal and its mailbox permission; for Google the scope " + "https://mail.google.com/ and the delegation)"
		}
		return se
	}
}

// xoauth2 runs one AUTH XOAUTH2 exchange with the token as the initial
// response. A refusal may come as a 334 challenge carrying a JSON error
// (Gmail); the client then sends an empty line and gets the final 5xx.
func (c *conn) xoauth2(username, token string) *mail.SendError {
	return c.authInitial("AUTH XOAUTH2 "+b64("user="+username+"\x01auth=Bearer "+token+"\x01\x01"), "")
}

// authPlain runs AUTH PLAIN with the credentials as the initial response,
// which saves a round trip; a server that still asks (334) gets them again.
func (c *conn) authPlain(username, password string) error {
	cred := b64("\x00" + username + "\x00" + password)
	if se := c.authInitial("AUTH PLAIN "+cred, cred); se != nil {
		return se
	}
	return nil
}

// authInitial sends an AUTH command that carries its initial response.
// A server that answers 334 gets again (the credentials once more for
// PLAIN, the empty line XOAUTH2 answers an error challenge with), and the
// final reply must be 235.
func (c *conn) authInitial(command, again string) *mail.SendError {
	if err := c.cmd(command); err != nil {
		return netError(mail.StageAuth, err)
	}
	code, msg, err := c.reply()
	if err == nil && code == 334 {
		if err = c.cmd(again); err == nil {
			code, msg, err = c.reply()
		}
	}
	if err != nil {
		return netError(mail.StageAuth, err)
	}
	if code != 235 {
		return replyError(mail.StageAuth, code, msg)
	}
	return nil
}

// authLogin runs the legacy AUTH LOGIN exchange: username, then password,
// each after a 334 prompt.
func (c *conn) authLogin(username, password string) error {
	steps := []string{"AUTH LOGIN", b64(username), b64(password)}
	for i, line := range steps {
		if err := c.cmd(line); err != nil {
			return netError(mail.StageAuth, err)
		}
		code, msg, err := c.reply()
		if err != nil {
			return netError(mail.StageAuth, err)
		}
		want := 334
		if i == len(steps)-1 {
			want = 235
		}
		if code != want {
			if code == 334 {
				// The server wants another round we do not know; cancel the
				// exchange rather than guess (RFC 4954 section 4).
				_ = c.cmd("*")
				_, _, _ = c.reply()
			}
			return replyError(mail.StageAuth, code, msg)
		}
	}
	return nil
}

// txResult is the outcome of one transaction.
type txResult struct {
	err *mail.SendError
	// healthy means the connection is in a clean state and can go back to
	// the pool.
	healthy bool
	// stale means the very first exchange failed as it does on a connection
	// the server closed while idle (EOF, reset, broken pipe, or 421), before
	// any of the message was sent, so a retry on a new connection cannot
	// deliver twice.
	stale bool
	// pipelined reports that MAIL, RCPT and DATA went out in one write.
	pipelined bool
}

// transact sends one message. With PIPELINING (RFC 2920) MAIL FROM, RCPT
// TO and DATA go out in a single write and their three replies are read
// together, then the body follows: two round trips on a warm connection
// instead of four. Without it, the commands go in lock-step. No RSET or NOOP
// is sent on success, so the hot path costs nothing extra. reused says the
// connection came from the pool, where the server may have closed it.
func (c *conn) transact(ctx context.Context, timeout time.Duration, reused bool, from, to string, msg []byte) txResult {
	mailCmd := "MAIL FROM:<" + from + ">"
	if !addr.IsASCII(from) || !addr.IsASCII(to) {
		if !c.has("SMTPUTF8") {
			return txResult{healthy: true, err: &mail.SendError{Stage: mail.StageMail, Text: "address is not ASCII and the server does not offer SMTPUTF8"}}
		}
		mailCmd += " SMTPUTF8"
	}
	rcptCmd := "RCPT TO:<" + to + ">"

	c.setDeadline(ctx, timeout)
	var res txResult
	if c.has("PIPELINING") {
		res = c.pipelined(reused, mailCmd, rcptCmd)
	} else {
		res = c.lockStep(reused, mailCmd, rcptCmd)
	}
	if res.err != nil {
		return res
	}

	c.setDeadline(ctx, timeout)
	if err := writeDotStuffed(c.tw, msg); err != nil {
		return txResult{err: netError(mail.StageBody, err), pipelined: res.pipelined}
	}
	code, text, err := c.reply()
	if err != nil {
		return txResult{err: netError(mail.StageBody, err), pipelined: res.pipelined}
	}
	if code != 250 {
		return txResult{err: replyError(mail.StageBody, code, text), healthy: code != 421, pipelined: res.pipelined}
	}
	return txResult{healthy: true, pipelined: res.pipelined}
}

// pipelined writes MAIL, RCPT and DATA at once and reads the three replies.
// All three are read even after a failure, because the server answers each
// command and the next transaction must not see stale replies.
func (c *conn) pipelined(reused bool, mailCmd, rcptCmd string) txResult {
	_, _ = c.w.WriteString(mailCmd)
	_, _ = c.w.WriteString("\r\n")
	_, _ = c.w.WriteString(rcptCmd)
	_, _ = c.w.WriteString("\r\nDATA\r\n")
	if err := c.w.Flush(); err != nil {
		return txResult{err: netError(mail.StageMail, err), stale: reused && isStaleErr(err), pipelined: true}
	}
	stages := [3]string{mail.StageMail, mail.StageRcpt, mail.StageData}
	var codes [3]int
	var texts [3]string
	for i := range stages {
		code, text, err := c.reply()
		if err != nil {
			return txResult{err: netError(stages[i], err), stale: i == 0 && reused && isStaleErr(err), pipelined: true}
		}
		if code == 421 {
			// The server is closing the connection; later replies will not
			// come.
			return txResult{err: replyError(stages[i], code, text), stale: i == 0 && reused, pipelined: true}
		}
		codes[i], texts[i] = code, text
	}
	var failed *mail.SendError
	switch {
	case codes[0] != 250:
		failed = replyError(mail.StageMail, codes[0], texts[0])
	case codes[1] != 250 && codes[1] != 251:
		failed = replyError(mail.StageRcpt, codes[1], texts[1])
	case codes[2] != 354:
		failed = replyError(mail.StageData, codes[2], texts[2])
	default:
		return txResult{healthy: true, pipelined: true}
	}
	if codes[2] == 354 {
		// DATA was accepted although an earlier command failed; RFC 2920
		// says to end the empty message so the server leaves DATA mode.
		if err := c.cmd("."); err != nil {
			return txResult{err: failed, pipelined: true}
		}
		if _, _, err := c.reply(); err != nil {
			return txResult{err: failed, pipelined: true}
		}
	}
	return txResult{err: failed, healthy: c.reset(), pipelined: true}
}

// lockStep sends MAIL, RCPT and DATA one at a time, for servers without
// PIPELINING.
func (c *conn) lockStep(reused bool, mailCmd, rcptCmd string) txResult {
	steps := [3]struct {
		stage, line string
		ok          func(int) bool
	}{
		{mail.StageMail, mailCmd, func(code int) bool { return code == 250 }},
		{mail.StageRcpt, rcptCmd, func(code int) bool { return code == 250 || code == 251 }},
		{mail.StageData, "DATA", func(code int) bool { return code == 354 }},
	}
	for i, s := range steps {
		if err := c.cmd(s.line); err != nil {
			return txResult{err: netError(s.stage, err), stale: i == 0 && reused && isStaleErr(err)}
		}
		code, text, err := c.reply()
		if err != nil {
			return txResult{err: netError(s.stage, err), stale: i == 0 && reused && isStaleErr(err)}
		}
		if code == 421 {
			return txResult{err: replyError(s.stage, code, text), stale: i == 0 && reused}
		}
		if !s.ok(code) {
			return txResult{err: replyError(s.stage, code, text), healthy: c.reset()}
		}
	}
	return txResult{healthy: true}
}

// reset sends RSET after a failed transaction so the connection can be
// reused, and reports whether that worked. It runs only on the failure path.
func (c *conn) reset() bool {
	if err := c.cmd("RSET"); err != nil {
		return false
	}
	code, _, err := c.reply()
	return err == nil && code == 250
}

// quit says goodbye and closes the connection. With wait it reads the
// server's reply (for Check); otherwise it does not spend a round trip on a
// connection that is being thrown away.
func (c *conn) quit(wait bool, timeout time.Duration) error {
	defer c.close()
	_ = c.nc.SetDeadline(time.Now().Add(timeout))
	if err := c.cmd("QUIT"); err != nil {
		return err
	}
	if !wait {
		return nil
	}
	code, msg, err := c.reply()
	if err != nil {
		return err
	}
	if code != 221 {
		return replyError("quit", code, msg)
	}
	return nil
}

// close closes the network connection.
func (c *conn) close() {
	_ = c.nc.Close()
}

// isStaleErr recognises how a connection that the server closed while it
// sat in the pool fails on first use.
func isStaleErr(err error) bool {
	return errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, syscall.ECONNABORTED)
}

// writeDotStuffed writes msg as a DATA body and flushes it: every line ends
// in CRLF, a line that starts with "." gets a second one, and ".\r\n" ends
// the body (RFC 5321 section 4.5.2). The bytes are exactly those
// textproto's DotWriter writes, but whole lines are copied at once instead
// of one byte at a time through bufio, which a CPU profile of the worker
// under load showed as its busiest Go code after the system calls
// (docs/benchmarks.md, figure 5). A message with a bare CR or LF, which
// mail.Compose never produces, goes through the DotWriter, which also repairs
// those.
func writeDotStuffed(tw *textproto.Writer, msg []byte) error {
	lf := bytes.Count(msg, []byte{'\n'})
	if len(msg) == 0 || lf != bytes.Count(msg, []byte{'\r'}) || lf != bytes.Count(msg, []byte(crlf)) {
		dw := tw.DotWriter()
		if _, err := dw.Write(msg); err != nil {
			return err
		}
		return dw.Close() // Close flushes.
	}
	w := tw.W
	for len(msg) > 0 {
		if msg[0] == '.' {
			_ = w.WriteByte('.')
		}
		i := bytes.Index(msg, []byte(crlf))
		if i < 0 {
			_, _ = w.Write(msg)
			_, _ = w.WriteString(crlf)
			break
		}
		_, _ = w.Write(msg[:i+2])
		msg = msg[i+2:]
	}
	// bufio.Writer errors are sticky: Flush reports any earlier one.
	_, _ = w.WriteString(".\r\n")
	return w.Flush()
}

// crlf ends every line on the wire.
const crlf = "\r\n"

// b64 encodes an AUTH exchange line.
func b64(s string) string {
	return base64.StdEncoding.EncodeToString([]byte(s))
}
