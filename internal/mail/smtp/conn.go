package smtp

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/textproto"
	"strings"
	"syscall"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
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

// crlf ends every line on the wire.
const crlf = "\r\n"
