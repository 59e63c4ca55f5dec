package smtp

import (
	"bytes"
	"context"
	"net/textproto"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/addr"
)

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
