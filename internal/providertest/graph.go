package providertest

import (
	"encoding/base64"
	"io"
	"net/http"
	"net/mail"
	"strings"
	"time"
)

// Graph: POST /v1.0/users/{id}/sendMail with a Bearer token; the MIME form
// (Content-Type text/plain, base64 body) answers 202 with no body; errors
// are {"error":{"code","message"}}. What this stand-in cannot reproduce:
// the checks of a real JWT (tenant, audience, roles), application access
// policies that limit an app to some mailboxes, the copy in Sent Items,
// and non-delivery reports for recipients Exchange accepts and later
// bounces.

// graphScope is the scope Graph's app-only tokens carry.
const graphScope = "https://graph.microsoft.com/.default"

func (s *Server) graphError(w http.ResponseWriter, rep Reply) {
	writeJSON(w, rep.Status, rep.Header, map[string]any{"error": map[string]any{
		"code": rep.Code, "message": rep.Message,
		"innerError": map[string]string{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": "0000aaaa-1111-bbbb-2222-cccc3333dddd"},
	}})
}

// graphAuth accepts a bearer token the TokenServer issued for graphScope.
func (s *Server) graphAuth(w http.ResponseWriter, r *http.Request) bool {
	bearer, ok := strings.CutPrefix(s.recordAuth(r), "Bearer ")
	switch {
	case !ok || bearer == "":
		s.graphError(w, Reply{Status: 401, Code: "InvalidAuthenticationToken", Message: "Access token is empty."})
		return false
	case s.opts.Tokens == nil || !s.opts.Tokens.Valid(bearer, graphScope, ""):
		s.graphError(w, Reply{Status: 401, Code: "InvalidAuthenticationToken", Message: "Access token has expired or is not yet valid."})
		return false
	}
	return true
}

func (s *Server) graphSend(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user")
	if s.opts.Mailbox != "" && !strings.EqualFold(user, s.opts.Mailbox) {
		s.graphError(w, Reply{Status: 404, Code: "ErrorInvalidUser", Message: "The requested user '" + user + "' is invalid."})
		return
	}
	if !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
		s.graphError(w, Reply{Status: 400, Code: "ErrorInvalidRequest", Message: "This test server takes the MIME form only (Content-Type: text/plain)."})
		return
	}
	b64, _ := io.ReadAll(r.Body)
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(b64)))
	if err != nil {
		s.graphError(w, Reply{Status: 400, Code: "ErrorMimeContentInvalidBase64String", Message: "Invalid base64 string for MIME content."})
		return
	}
	m, err := parseRaw(raw)
	if err != nil {
		s.graphError(w, Reply{Status: 400, Code: "ErrorMimeContentInvalid", Message: "The MIME content is invalid."})
		return
	}
	to, _ := mail.ParseAddress(m.Headers["To"])
	if to == nil {
		s.graphError(w, Reply{Status: 400, Code: "ErrorInvalidRecipients", Message: "At least one recipient is not valid."})
		return
	}
	m.To = to.Address
	s.deliver(m)
	w.WriteHeader(http.StatusAccepted)
}
