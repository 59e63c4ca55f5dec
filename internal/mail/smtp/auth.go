package smtp

import (
	"context"
	"encoding/base64"
	"errors"
	"slices"
	"strings"

	"github.com/todoapp/resetmail/internal/mail"
)

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

// b64 encodes an AUTH exchange line.
func b64(s string) string {
	return base64.StdEncoding.EncodeToString([]byte(s))
}
