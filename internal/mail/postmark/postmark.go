// Package postmark sends mail through Postmark's HTTPS API (POST /email).
package postmark

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/apiclient"
)

// URL is Postmark's public API.
const URL = "https://api.postmarkapp.com"

// Postmark sends through Postmark's HTTPS API (POST /email). Postmark has
// no official Go SDK, and the call is one JSON request, so this is a small
// client of our own.
type Postmark struct {
	c      *apiclient.Client
	token  string
	stream string
}

// New validates cfg.
func New(cfg apiclient.Config) (*Postmark, error) {
	c, err := apiclient.New(mail.ProviderPostmark, URL, cfg)
	if err != nil {
		return nil, err
	}
	return &Postmark{c: c, token: c.Config().APIKey, stream: c.Config().MessageStream}, nil
}

// Name implements Provider.
func (p *Postmark) Name() string { return mail.ProviderPostmark }

type postmarkHeader struct {
	Name  string `json:"Name"`
	Value string `json:"Value"`
}

type postmarkEmail struct {
	From          string           `json:"From"`
	To            string           `json:"To"`
	Subject       string           `json:"Subject"`
	HTMLBody      string           `json:"HtmlBody,omitempty"`
	TextBody      string           `json:"TextBody,omitempty"`
	Headers       []postmarkHeader `json:"Headers,omitempty"`
	MessageStream string           `json:"MessageStream"`
}

// postmarkResult is Postmark's answer, success and error alike.
type postmarkResult struct {
	ErrorCode int    `json:"ErrorCode"`
	Message   string `json:"Message"`
	MessageID string `json:"MessageID"`
}

// Send implements Provider.
func (p *Postmark) Send(ctx context.Context, m mail.Outgoing) (mail.Receipt, error) {
	return p.c.Send(ctx, m.Message, "/email", p.header(), p.email, p.read)
}

func (p *Postmark) email(f *mail.Fields) any {
	body := postmarkEmail{From: f.From, To: f.To, Subject: f.Subject, HTMLBody: f.HTML, TextBody: f.Text, MessageStream: p.stream}
	for _, h := range f.Headers {
		body.Headers = append(body.Headers, postmarkHeader(h))
	}
	return body
}

// read takes MessageID, what Postmark's webhooks carry, from an answer
// whose ErrorCode is 0.
func (p *Postmark) read(resp *apiclient.Response) (string, *mail.SendError) {
	var res postmarkResult
	_ = json.Unmarshal(resp.Body, &res)
	if resp.Status/100 != 2 || res.ErrorCode != 0 {
		return "", p.error(resp, res)
	}
	return res.MessageID, nil
}

func (p *Postmark) header() http.Header {
	h := http.Header{}
	h.Set("X-Postmark-Server-Token", p.token)
	return h
}

// error classifies a Postmark answer from its ErrorCode: 10 is the token,
// 400/401 an unknown or unconfirmed sender signature, 405/412/413 the
// account, 1235 an unknown message stream (all configuration); 300 (invalid
// email request) and 406 (inactive recipient) are this message; 100 is
// maintenance, an outage.
func (p *Postmark) error(resp *apiclient.Response, res postmarkResult) *mail.SendError {
	code := ""
	if res.ErrorCode != 0 {
		code = strconv.Itoa(res.ErrorCode)
	}
	return p.c.CodedError(resp, code, res.Message, apiclient.CodeClasses{
		mail.ClassConfig:    {"10", "400", "401", "405", "412", "413", "1235"},
		mail.ClassRejected:  {"300", "406"},
		mail.ClassOutage:    {"100"},
		mail.ClassThrottled: {"429"},
	})
}

// Check proves the token without sending: GET /server returns the server
// the token belongs to.
func (p *Postmark) Check(ctx context.Context) (string, error) {
	resp, se := p.c.Call(ctx, http.MethodGet, "/server", p.header(), nil)
	if se != nil {
		return "", se
	}
	var res struct {
		postmarkResult
		Name string `json:"Name"`
	}
	_ = json.Unmarshal(resp.Body, &res)
	if resp.Status/100 != 2 || res.ErrorCode != 0 {
		return "", p.error(resp, res.postmarkResult)
	}
	return "token valid for server " + strconv.Quote(res.Name) + ", message stream " + p.stream, nil
}
