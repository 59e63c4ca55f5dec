package providertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// Resend: POST /emails with a Bearer key; errors are
// {"statusCode","name","message"}.

func (s *Server) resendError(w http.ResponseWriter, rep Reply) {
	writeJSON(w, rep.Status, rep.Header, map[string]any{"statusCode": rep.Status, "name": rep.Code, "message": rep.Message})
}

func (s *Server) resendAuth(w http.ResponseWriter, r *http.Request) bool {
	auth := r.Header.Get("Authorization")
	if auth == "" {
		s.resendError(w, Reply{Status: 401, Code: "missing_api_key", Message: "Missing API key in the authorization header."})
		return false
	}
	if auth != "Bearer "+s.currentKey() {
		s.resendError(w, Reply{Status: 401, Code: "validation_error", Message: "API key is invalid"})
		return false
	}
	return true
}

type resendBody struct {
	From    string            `json:"from"`
	To      []string          `json:"to"`
	Subject string            `json:"subject"`
	HTML    string            `json:"html"`
	Text    string            `json:"text"`
	Headers map[string]string `json:"headers"`
}

func (s *Server) resendSend(w http.ResponseWriter, r *http.Request) {
	raw, _ := io.ReadAll(r.Body)
	var b resendBody
	if err := json.Unmarshal(raw, &b); err != nil || b.From == "" || len(b.To) == 0 || b.Subject == "" {
		s.resendError(w, Reply{Status: 422, Code: "missing_required_field", Message: "Missing `to`, `from` or `subject` field."})
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if len(key) > 256 {
		s.resendError(w, Reply{Status: 400, Code: "invalid_idempotency_key", Message: "The key must be between 1-256 chars."})
		return
	}
	if key != "" {
		s.mu.Lock()
		prev, seen := s.byKey[key]
		busy := s.inFlight[key]
		if !seen && !busy {
			s.inFlight[key] = true
		}
		s.mu.Unlock()
		switch {
		case busy:
			s.resendError(w, Reply{Status: 409, Code: "concurrent_idempotent_requests", Message: "Same idempotency key used while original request is still in progress."})
			return
		case seen && prev.body != string(raw):
			s.resendError(w, Reply{Status: 409, Code: "invalid_idempotent_request", Message: "Same idempotency key used with a different request payload."})
			return
		case seen:
			// A repeat within 24 hours returns the first email's id and
			// sends nothing.
			writeJSON(w, 200, nil, map[string]string{"id": prev.id})
			return
		}
	}
	id := fmt.Sprintf("re_%d", s.calls.Load())
	to := bareAddress(b.To[0])
	s.deliver(Mail{From: b.From, To: to, Subject: b.Subject, Text: b.Text, HTML: b.HTML, Headers: b.Headers, IdempotencyKey: key, ID: id})
	if key != "" {
		s.mu.Lock()
		s.byKey[key] = idem{id: id, body: string(raw)}
		delete(s.inFlight, key)
		s.mu.Unlock()
	}
	writeJSON(w, 200, nil, map[string]string{"id": id})
}

func (s *Server) resendDomains(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, nil, map[string]any{"object": "list", "data": []map[string]string{{"name": "example.com", "status": "verified"}}})
}
