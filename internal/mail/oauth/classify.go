package oauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
)

// classify turns a failed fetch into a *mail.SendError (see the package
// comment).
func (s *Source) classify(ctx context.Context, err error) *mail.SendError {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		var ue *url.Error
		if errors.As(err, &ue) || ctx.Err() != nil {
			se := apiclient.TransportError(ctx, s.provider, err)
			se.Stage = mail.StageAuth
			if se.Class == mail.ClassTransient {
				// Every send needs the token: an endpoint we cannot reach
				// holds all mail, like a provider that is down.
				se.SetClass(mail.ClassOutage)
			}
			se.Server = s.host
			se.Text = "token endpoint: " + s.scrub(err.Error())
			return se
		}
		// The jwt package formats its network errors with %v, and a
		// response that is not JSON lands here too: retried, held.
		return &mail.SendError{Provider: s.provider, Class: mail.ClassOutage, Temporary: true, Stage: mail.StageAuth, Server: s.host,
			Text: "token endpoint: " + s.scrub(err.Error())}
	}
	code, desc := re.ErrorCode, re.ErrorDescription
	if code == "" {
		// jwt does not parse the RFC 6749 error body; read it here.
		var body struct {
			Error string `json:"error"`
			Desc  string `json:"error_description"`
		}
		if json.Unmarshal(re.Body, &body) == nil {
			code, desc = body.Error, body.Desc
		}
	}
	status := 0
	header := http.Header{}
	if re.Response != nil {
		status, header = re.Response.StatusCode, re.Response.Header
	}
	se := apiclient.StatusError(s.provider, status, header, code, "")
	se.Stage = mail.StageAuth
	se.Server = s.host
	text := "token endpoint refused"
	if code != "" {
		text += " (" + code + ")"
	}
	if d := s.scrub(firstSentence(desc)); d != "" {
		text += ": " + d
	}
	switch {
	case status == http.StatusTooManyRequests:
		se.SetClass(mail.ClassThrottled)
	case status >= 500:
		se.SetClass(mail.ClassOutage)
		text = fmt.Sprintf("token endpoint answered %d", status)
	default:
		// Every 4xx from a token endpoint is our client, grant or scope.
		se.SetClass(mail.ClassConfig)
		se.Err = ErrRefused
		text += "; check " + s.culprit(code) + "; mail is held and resumes by itself once the endpoint accepts"
	}
	se.Text = apiclient.MaskText(text)
	return se
}

// culprit names the variable an RFC 6749 error code points at.
func (s *Source) culprit(code string) string {
	switch s.grant {
	case GrantServiceAccount:
		if code == "invalid_scope" {
			return VarScope + " and the scopes granted to the service account's domain-wide delegation"
		}
		return VarServiceAccountFile + " (the key, and its domain-wide delegation in the Workspace admin console)"
	case GrantRefreshToken:
		switch code {
		case "invalid_grant":
			return VarRefreshToken + " (expired, revoked or consent withdrawn)"
		case "invalid_client", "unauthorized_client":
			return VarClientID + " and " + VarClientSecret
		case "invalid_scope":
			return VarScope
		}
		return VarRefreshToken + ", " + VarClientID + " and " + VarScope
	}
	switch code {
	case "invalid_client":
		return VarClientSecret + " (revoked or expired?) and " + VarClientID
	case "unauthorized_client", "invalid_grant":
		return VarClientID + " and the app's consent"
	case "invalid_scope":
		return VarScope
	}
	return VarClientID + ", " + VarClientSecret + " and " + VarTokenURL
}

// scrub removes every secret this source holds from a text the endpoint
// or a library produced.
func (s *Source) scrub(text string) string {
	for _, secret := range s.secrets {
		if len(secret) >= 4 {
			text = strings.ReplaceAll(text, secret, "[redacted]")
		}
	}
	return text
}

// firstSentence keeps an error description short: Microsoft's carry trace
// and correlation IDs and a timestamp after the first line.
func firstSentence(s string) string {
	s, _, _ = strings.Cut(s, "\n")
	s, _, _ = strings.Cut(s, " Trace ID:")
	s = strings.TrimSpace(s)
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return s
}
