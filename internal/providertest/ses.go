package providertest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// SES v2: REST-JSON signed with SigV4; errors carry X-Amzn-ErrorType and
// {"message"}.

func (s *Server) sesError(w http.ResponseWriter, rep Reply) {
	h := http.Header{}
	for k, v := range rep.Header {
		h[k] = v
	}
	h.Set("X-Amzn-ErrorType", rep.Code)
	writeJSON(w, rep.Status, h, map[string]string{"message": rep.Message})
}

// sesAuth checks that the request carries a SigV4 Authorization header for
// the expected access key, region and service. It does not recompute the
// signature: the SDK computes it, and the shape proves it signed.
func (s *Server) sesAuth(w http.ResponseWriter, r *http.Request) bool {
	auth := s.recordAuth(r)
	prefix := "AWS4-HMAC-SHA256 Credential=" + s.currentKey() + "/"
	scope := "/" + s.opts.Region + "/ses/aws4_request"
	if !strings.HasPrefix(auth, prefix) {
		s.sesError(w, Reply{Status: 403, Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."})
		return false
	}
	if !strings.Contains(auth, scope+",") || !strings.Contains(auth, "SignedHeaders=") || !strings.Contains(auth, "Signature=") || r.Header.Get("X-Amz-Date") == "" {
		s.sesError(w, Reply{Status: 403, Code: "SignatureDoesNotMatch", Message: "The request signature we calculated does not match the signature you provided."})
		return false
	}
	return true
}

func (s *Server) sesSend(w http.ResponseWriter, r *http.Request) {
	var b struct {
		FromEmailAddress string
		Destination      struct{ ToAddresses []string }
		Content          struct {
			Raw *struct{ Data []byte }
		}
		ConfigurationSetName string
	}
	if err := json.NewDecoder(r.Body).Decode(&b); err != nil || b.Content.Raw == nil || len(b.Destination.ToAddresses) == 0 {
		s.sesError(w, Reply{Status: 400, Code: "BadRequestException", Message: "Invalid request"})
		return
	}
	m, err := parseRaw(b.Content.Raw.Data)
	if err != nil {
		s.sesError(w, Reply{Status: 400, Code: "MessageRejected", Message: "Could not parse message: " + err.Error()})
		return
	}
	m.To = b.Destination.ToAddresses[0]
	m.ID = fmt.Sprintf("ses-%d", s.calls.Load())
	s.deliver(m)
	writeJSON(w, 200, nil, map[string]string{"MessageId": m.ID})
}

func (s *Server) sesAccount(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, 200, nil, map[string]any{
		"ProductionAccessEnabled": false,
		"SendingEnabled":          true,
		"EnforcementStatus":       "HEALTHY",
		"SendQuota":               map[string]float64{"Max24HourSend": 200, "MaxSendRate": 1, "SentLast24Hours": 3},
	})
}
