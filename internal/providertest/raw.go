package providertest

import (
	"github.com/todoapp/resetmail/internal/testutil"
)

// parseRaw decodes an RFC 5322 message the way a mail client would.
func parseRaw(raw []byte) (Mail, error) {
	p, err := testutil.ParseMail(raw)
	if err != nil {
		return Mail{}, err
	}
	headers := map[string]string{}
	for k, v := range p.Header {
		if len(v) > 0 {
			headers[k] = v[0]
		}
	}
	return Mail{From: p.Header.Get("From"), Subject: p.Subject, Text: p.Text, HTML: p.HTML, Headers: headers, Raw: raw}, nil
}
