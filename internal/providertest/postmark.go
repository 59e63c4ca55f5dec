package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Postmark: POST /email with X-Postmark-Server-Token; every answer carries
// {"ErrorCode","Message"}, 0 meaning success.

func (s *Server) postmarkError(w http.ResponseWriter, rep Reply) {
	code := 0
	_, _ = fmt.Sscan(rep.Code, &code)
	writeJSON(w, rep.Status, rep.Header, map[string]any{"ErrorCode": code, "Message": rep.Message})
}

func (s *Server) postmarkAuth(w http.ResponseWriter, r *http.Request) bool {
	if r.Header.Get("X-Postmark-Server-Token") != s.currentKey() {
		s.postmarkError(w, Reply{Status: 401, Code: "10", Message: "The Server Token you provided in the X-Postmark-Server-Token request header was invalid. Please verify that you are using a valid token."})
		return false
	}
	return true
}

func (s *Server) postmarkSend(w http.ResponseWriter, r *http.Request) {
	var b struct {
		From, To, Subject, HtmlBody, TextBody, MessageStream string
		Headers                                              []struct{ Name, Value string }
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil {
		s.postmarkError(w, Reply{Status: 422, Code: "402", Message: "Invalid JSON"})
		return
	}
	if b.To == "" || !strings.Contains(b.To, "@") {
		s.postmarkError(w, Reply{Status: 422, Code: "300", Message: "Invalid 'To' address."})
		return
	}
	if b.MessageStream != "" && b.MessageStream != "outbound" && b.MessageStream != "broadcast" && !strings.HasPrefix(b.MessageStream, "test") {
		s.postmarkError(w, Reply{Status: 422, Code: "1235", Message: "The message stream for the provided 'ID' was not found."})
		return
	}
	to := bareAddress(b.To)
	headers := map[string]string{}
	for _, h := range b.Headers {
		headers[h.Name] = h.Value
	}
	id := fmt.Sprintf("pm-%d", s.calls.Load())
	s.deliver(Mail{From: b.From, To: to, Subject: b.Subject, Text: b.TextBody, HTML: b.HtmlBody, Headers: headers, ID: id})
	writeJSON(w, 200, nil, map[string]any{"To": b.To, "SubmittedAt": time.Now().Format(time.RFC3339), "MessageID": id, "ErrorCode": 0, "Message": "OK"})
}

func (s *Server) postmarkServer(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, nil, map[string]any{"ID": 1, "Name": "resetmail", "ApiTokens": []string{"(hidden)"}})
}
