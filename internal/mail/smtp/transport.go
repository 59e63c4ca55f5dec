package smtp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/redact"
)

// stepFunc observes each step of opening a connection; Check prints them.
// detail is a short, secret-free description of the outcome.
type stepFunc func(step, detail string, took time.Duration, err error)

// transport opens ready-to-use connections: dialled, encrypted as
// configured, greeted and authenticated. Sender pools what it opens; Check
// uses it once, step by step.
type transport struct {
	cfg       SenderConfig
	addr      string
	tlsConfig *tls.Config
}

// newTransport prepares the TLS settings once. The session cache lets
// redials resume TLS sessions, which makes replacing a stale connection
// cheaper.
func newTransport(cfg SenderConfig) *transport {
	return &transport{
		cfg:  cfg,
		addr: cfg.addr(),
		tlsConfig: &tls.Config{
			ServerName:         cfg.Host,
			RootCAs:            cfg.RootCAs,
			MinVersion:         tls.VersionTLS12,
			ClientSessionCache: tls.NewLRUClientSessionCache(cfg.MaxConnections),
		},
	}
}

// open dials and prepares a connection. step may be nil.
func (t *transport) open(ctx context.Context, step stepFunc) (*conn, error) {
	if step == nil {
		step = func(string, string, time.Duration, error) {}
	}
	start := time.Now()
	d := net.Dialer{Timeout: t.cfg.DialTimeout}
	nc, err := d.DialContext(ctx, "tcp", t.addr)
	if err != nil {
		se := t.fail(ctx, netError(mail.StageDial, err))
		step("connect "+t.addr, "", time.Since(start), se)
		return nil, se
	}
	step("connect "+t.addr, "", time.Since(start), nil)

	c := newConn(nc)
	stop := c.watch(ctx)
	err = t.prepare(ctx, c, step)
	if !stop() && err == nil {
		// ctx ended just as preparation finished and closed the connection.
		err = t.fail(ctx, netError(mail.StageEHLO, ctx.Err()))
	}
	if err != nil {
		c.close()
		return nil, err
	}
	return c, nil
}

// prepare runs everything between the TCP connection and the first
// transaction: implicit TLS, greeting, EHLO, STARTTLS and AUTH.
func (t *transport) prepare(ctx context.Context, c *conn, step stepFunc) error {
	timed := func(name string, f func() (string, error)) error {
		start := time.Now()
		c.setDeadline(ctx, t.cfg.CommandTimeout)
		detail, err := f()
		if err != nil {
			var se *mail.SendError
			if !errors.As(err, &se) {
				se = netError(mail.StageDial, err)
			}
			err = t.fail(ctx, se)
		}
		step(name, detail, time.Since(start), err)
		return err
	}

	if t.cfg.TLS == TLSImplicit {
		err := timed("tls handshake", func() (string, error) {
			tc := tls.Client(c.nc, t.tlsConfig)
			if err := tc.HandshakeContext(ctx); err != nil {
				return "", netError(mail.StageTLS, err)
			}
			c.wrap(tc)
			c.isTLS = true
			return tlsVersion(tc), nil
		})
		if err != nil {
			return err
		}
	}

	err := timed("greeting", func() (string, error) {
		code, msg, err := c.reply()
		if err != nil {
			return "", netError(mail.StageDial, err)
		}
		if code != 220 {
			return "", replyError(mail.StageDial, code, msg)
		}
		first, _, _ := strings.Cut(msg, "\n")
		return "220 " + redact.Addresses(first), nil
	})
	if err != nil {
		return err
	}

	ehlo := func() (string, error) {
		if err := c.hello(t.cfg.HelloName); err != nil {
			return "", err
		}
		return extensionList(c.ext), nil
	}
	if err := timed("ehlo "+t.cfg.HelloName, ehlo); err != nil {
		return err
	}

	if t.cfg.TLS == TLSStartTLS {
		err := timed("starttls", func() (string, error) {
			if !c.has("STARTTLS") {
				return "", &mail.SendError{
					Stage: mail.StageTLS,
					Text:  "server does not advertise STARTTLS; SMTP_TLS=starttls refuses to continue in plain text (use tls for port 465, or none only for a local relay)",
					Err:   ErrStartTLSNotOffered,
				}
			}
			if err := c.startTLS(ctx, t.tlsConfig); err != nil {
				return "", err
			}
			return tlsVersion(c.nc.(*tls.Conn)), nil
		})
		if err != nil {
			return err
		}
		// RFC 3207: the client must forget what it learnt before TLS and
		// ask again, since the server may offer more (typically AUTH).
		if err := timed("ehlo "+t.cfg.HelloName+" (after starttls)", ehlo); err != nil {
			return err
		}
	}

	if t.cfg.Username != "" {
		user := redact.Email(t.cfg.Username)
		var mech string
		err := timed("auth as "+user, func() (string, error) {
			var err error
			mech, err = c.auth(ctx, t.cfg)
			return mech, err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// fail completes an error with the server address and, when the context
// ended, replaces the resulting "use of closed connection" with the
// context's own error so callers see why.
func (t *transport) fail(ctx context.Context, se *mail.SendError) *mail.SendError {
	se.Server = t.addr
	if cerr := mail.ContextErr(ctx); cerr != nil && !errors.Is(se.Err, cerr) && se.Code == 0 {
		se.Err = cerr
		se.Text = ""
		se.Temporary = true
	}
	return classified(se)
}

// tlsVersion names the negotiated TLS version for Check's output.
func tlsVersion(tc *tls.Conn) string {
	return tls.VersionName(tc.ConnectionState().Version)
}

// extensionList renders the advertised extensions for Check's output.
func extensionList(ext map[string]string) string {
	var parts []string
	for _, k := range []string{"PIPELINING", "STARTTLS", "AUTH", "SMTPUTF8", "8BITMIME", "SIZE"} {
		if v, ok := ext[k]; ok {
			if v != "" && k == "AUTH" {
				k += " " + v
			}
			parts = append(parts, k)
		}
	}
	return strings.Join(parts, " ")
}
