package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
)

// hostileReq is one malformed or hostile request of the bad-input drill.
type hostileReq struct {
	// kind is the category, for the report.
	kind    string
	method  string
	path    string
	header  map[string]string
	body    []byte
	chunked bool
	// raw, when set, is sent as is over a fresh TCP connection, for
	// framing that net/http's client refuses to produce.
	raw []byte
}

// jsonEndpoint is an endpoint that reads a JSON body, with the fields a
// well-formed body would have and whether it needs the caller's token.
type jsonEndpoint struct {
	method, path string
	fields       []string
	auth         bool
}

// hostileGen makes the drill's requests from a seeded generator, so that a
// failure can be reproduced. task is the ID of a task the token's user owns.
type hostileGen struct {
	rng   *rand.Rand
	token string
	task  int64
}

func (g *hostileGen) endpoints() []jsonEndpoint {
	taskPath := fmt.Sprintf("/api/tasks/%d", g.task)
	return []jsonEndpoint{
		{http.MethodPost, "/api/auth/register", []string{"email", "password", "name"}, false},
		{http.MethodPost, "/api/auth/login", []string{"email", "password"}, false},
		{http.MethodPost, "/api/auth/forgot-password", []string{"email"}, false},
		{http.MethodPost, "/api/auth/reset-password", []string{"token", "new_password"}, false},
		{http.MethodPost, "/api/auth/reset-password/verify", []string{"token"}, false},
		{http.MethodPost, "/api/tasks", []string{"title", "description", "completed"}, true},
		{http.MethodPatch, taskPath, []string{"title", "description", "completed"}, true},
	}
}

// kinds are the categories with their weights out of the total.
func (g *hostileGen) kinds() []struct {
	name   string
	weight int
	make   func() hostileReq
} {
	return []struct {
		name   string
		weight int
		make   func() hostileReq
	}{
		{"huge body (2 MiB)", 1, func() hostileReq { return g.withBody(g.hugeJSON()) }},
		{"huge chunked body", 1, func() hostileReq { r := g.withBody(g.hugeJSON()); r.chunked = true; return r }},
		{"deep JSON", 4, func() hostileReq { return g.withBody(g.deepJSON()) }},
		{"wrong types", 10, func() hostileReq { return g.withFields(g.wrongType) }},
		{"invalid UTF-8", 8, func() hostileReq { return g.withBody(g.invalidUTF8()) }},
		{"CRLF in fields", 8, func() hostileReq { return g.withFields(g.crlf) }},
		{"very long emails", 6, func() hostileReq { return g.withFields(g.longEmail) }},
		{"SQL-looking strings", 10, func() hostileReq { return g.withFields(g.sqlish) }},
		{"NUL and control characters", 8, func() hostileReq { return g.withFields(g.controls) }},
		{"malformed JSON", 10, func() hostileReq { return g.withBody([]byte(pick(g.rng, malformedJSON()))) }},
		{"wrong content type", 6, g.wrongContentType},
		{"bad reset tokens", 8, g.badToken},
		{"bad Authorization header", 6, g.badAuth},
		{"bad path or query", 6, g.badPath},
		{"wrong method", 4, g.wrongMethod},
		{"huge header (2 MiB)", 1, g.hugeHeader},
		{"broken HTTP framing", 4, g.rawHTTP},
	}
}

// next returns one request of a category chosen by weight.
func (g *hostileGen) next() hostileReq {
	kinds := g.kinds()
	total := 0
	for _, k := range kinds {
		total += k.weight
	}
	n := g.rng.IntN(total)
	for _, k := range kinds {
		if n < k.weight {
			r := k.make()
			r.kind = k.name
			return r
		}
		n -= k.weight
	}
	panic("unreachable")
}

// withBody sends body, as JSON, to a random JSON endpoint.
func (g *hostileGen) withBody(body []byte) hostileReq {
	ep := pick(g.rng, g.endpoints())
	r := hostileReq{method: ep.method, path: ep.path, body: body, header: map[string]string{"Content-Type": "application/json"}}
	if ep.auth {
		r.header["Authorization"] = "Bearer " + g.token
	}
	return r
}

// withFields builds a JSON object for a random endpoint whose every field
// gets a value from gen.
func (g *hostileGen) withFields(gen func(field string) any) hostileReq {
	ep := pick(g.rng, g.endpoints())
	obj := map[string]any{}
	for _, f := range ep.fields {
		obj[f] = gen(f)
	}
	body, _ := json.Marshal(obj)
	r := g.withBody(body)
	r.method, r.path = ep.method, ep.path
	if ep.auth {
		r.header["Authorization"] = "Bearer " + g.token
	} else {
		delete(r.header, "Authorization")
	}
	return r
}

func (g *hostileGen) hugeJSON() []byte {
	return []byte(`{"email":"` + strings.Repeat("a", 2<<20) + `@example.com"}`)
}

func (g *hostileGen) deepJSON() []byte {
	depth := 1000 + g.rng.IntN(200000)
	if g.rng.IntN(2) == 0 {
		return []byte(strings.Repeat("[", depth) + strings.Repeat("]", depth))
	}
	return []byte(strings.Repeat(`{"email":`, depth) + `"a@b.c"` + strings.Repeat("}", depth))
}

func (g *hostileGen) wrongType(string) any {
	return pick(g.rng, []any{1, -1, 1e308, true, false, nil, []any{"a@example.com"}, map[string]any{"$ne": nil}, map[string]any{}, json.Number("1e999"), "", 0})
}

func (g *hostileGen) invalidUTF8() []byte {
	bad := pick(g.rng, []string{"\xff\xfe", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\x80", "\xe2\x82"})
	switch g.rng.IntN(3) {
	case 0:
		return []byte(`{"email":"a` + bad + `@example.com","password":"pass` + bad + `word12","name":"` + bad + `","token":"` + bad + `","title":"` + bad + `"}`)
	case 1:
		return []byte(`{"` + bad + `":"x"}`)
	default:
		return []byte(bad + `{"email":"a@example.com"}`)
	}
}

func (g *hostileGen) crlf(field string) any {
	switch field {
	case "email":
		return pick(g.rng, []string{"ada@example.com\r\nBcc: victim@example.org", "ada@example.com\nSubject: pwned", "\r\n\r\nada@example.com", "ada@exa\rmple.com"})
	case "completed":
		return true
	}
	return pick(g.rng, []string{"Ada\r\nBcc: victim@example.org", "line1\nline2", "\r\n.\r\nMAIL FROM:<x@evil.example>\r\n", "x\r\nContent-Type: text/html\r\n\r\n<script>alert(1)</script>"})
}

func (g *hostileGen) longEmail(field string) any {
	n := pick(g.rng, []int{64, 65, 255, 256, 1000, 100000})
	switch field {
	case "email":
		return strings.Repeat("a", n) + "@example.com"
	case "completed":
		return false
	}
	return strings.Repeat("x", n)
}

func (g *hostileGen) sqlish(field string) any {
	if field == "completed" {
		return true
	}
	v := pick(g.rng, []string{"' OR '1'='1", "'; DROP TABLE users; --", `" OR ""="`, "1; SELECT pg_sleep(10)", "admin'--", "%' AND 1=0 UNION SELECT password_hash FROM users --", `\x00'`, "$1"})
	if field == "email" && g.rng.IntN(2) == 0 {
		// Valid addresses that look like SQL reach the database.
		return pick(g.rng, []string{"o'brien@example.com", "x'or'1'='1@example.com", "drop-table--@example.com", "a%'--@example.com"})
	}
	return v
}

func (g *hostileGen) controls(field string) any {
	if field == "completed" {
		return nil
	}
	return pick(g.rng, []string{"\x00", "ada\x00@example.com", "\u202eevil", "\x1b[31mred", "\u0000\u0000", "\ufeffada@example.com", "😀@example.com", "ａｄａ@example.com", "\u2028"})
}

// malformedJSON are bodies that are not one valid JSON object.
func malformedJSON() []string {
	return []string{``, ` `, `null`, `[]`, `"str"`, `42`, `{`, `{"email":`, `{"email":"a@example.com"`, `{"email":"a@example.com"} trailing`,
		`{"email":"a@example.com"}{"email":"b@example.com"}`, `{"email":"a@example.com","email":"b@example.com"}`, `{email:"a@example.com"}`,
		`{'email':'a@example.com'}`, `{"email":"a@example.com",}`, `{"title":1e999}`, `{"unknown":1}`, `{"__proto__":{"admin":true}}`, "\x00\x00\x00"}
}

func (g *hostileGen) wrongContentType() hostileReq {
	r := g.withBody([]byte(`{"email":"a@example.com","password":"correct horse battery","name":"Ada"}`))
	ct := pick(g.rng, []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/json; charset=\"", "application/xml", "*/*", strings.Repeat("a", 5000)})
	if ct == "" {
		delete(r.header, "Content-Type")
	} else {
		r.header["Content-Type"] = ct
	}
	return r
}

func (g *hostileGen) badToken() hostileReq {
	tok := pick(g.rng, []string{"", "x", strings.Repeat("A", 43), strings.Repeat("A", 42) + "=", strings.Repeat("/", 43), strings.Repeat("a", 100000),
		"../../etc/passwd", "' OR 1=1 --", "%00", strings.Repeat("\u00e9", 43), "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."})
	path := pick(g.rng, []string{"/api/auth/reset-password", "/api/auth/reset-password/verify"})
	body, _ := json.Marshal(map[string]string{"token": tok, "new_password": "a perfectly fine password"})
	if path == "/api/auth/reset-password/verify" {
		body, _ = json.Marshal(map[string]string{"token": tok})
	}
	return hostileReq{method: http.MethodPost, path: path, body: body, header: map[string]string{"Content-Type": "application/json"}}
}

func (g *hostileGen) badAuth() hostileReq {
	h := pick(g.rng, []string{"Bearer", "Bearer ", "Bearer x", "Basic YWRhOnB3", "bearer " + g.token + "x", "Bearer " + strings.Repeat("a", 60000),
		"Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiIxIiwidmVyIjoxfQ.", "Bearer " + g.token + "\xff", "Bearer\t" + g.token, "Bearer a.b.c"})
	path := pick(g.rng, []string{"/api/auth/me", "/api/tasks", fmt.Sprintf("/api/tasks/%d", g.task)})
	return hostileReq{method: http.MethodGet, path: path, header: map[string]string{"Authorization": h}}
}

func (g *hostileGen) badPath() hostileReq {
	path := pick(g.rng, []string{"/api/tasks/-1", "/api/tasks/0", "/api/tasks/99999999999999999999", "/api/tasks/1e3", "/api/tasks/%00", "/api/tasks/..%2F..%2Fetc%2Fpasswd",
		"/api/tasks?limit=-5", "/api/tasks?limit=1000000", "/api/tasks?limit=abc", "/api/tasks?cursor=%ff%fe", "/api/tasks?cursor=" + strings.Repeat("A", 5000),
		"/api/tasks?completed=maybe", "/api/tasks?completed=true&completed=false", "/api/" + strings.Repeat("x/", 2000), "/%ff", "/api/auth/register/../login"})
	method := pick(g.rng, []string{http.MethodGet, http.MethodDelete})
	return hostileReq{method: method, path: path, header: map[string]string{"Authorization": "Bearer " + g.token}}
}

func (g *hostileGen) wrongMethod() hostileReq {
	method := pick(g.rng, []string{http.MethodPut, http.MethodDelete, http.MethodGet, "PROPFIND", http.MethodOptions, http.MethodTrace})
	path := pick(g.rng, []string{"/api/auth/register", "/api/auth/login", "/api/auth/forgot-password", "/api/auth/reset-password", "/healthz"})
	return hostileReq{method: method, path: path, body: []byte(`{}`), header: map[string]string{"Content-Type": "application/json"}}
}

func (g *hostileGen) hugeHeader() hostileReq {
	r := g.withBody([]byte(`{"email":"a@example.com"}`))
	r.header["X-Padding"] = strings.Repeat("p", 2<<20)
	return r
}

// reader returns the request body and its length, or -1 when chunked so
// that the client streams it without a Content-Length.
func (r hostileReq) reader() (*bytes.Reader, int64) {
	if r.chunked {
		return bytes.NewReader(r.body), -1
	}
	return bytes.NewReader(r.body), int64(len(r.body))
}

// rawHTTP is a request whose framing is broken: control bytes in headers,
// conflicting lengths, smuggling attempts, garbage request lines.
func (g *hostileGen) rawHTTP() hostileReq {
	body := `{"email":"a@example.com"}`
	cl := fmt.Sprint(len(body))
	raw := pick(g.rng, []string{
		"POST /api/auth/forgot-password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nX-Evil: a\x00b\r\nContent-Length: " + cl + "\r\n\r\n" + body,
		"POST /api/auth/forgot-password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + cl + "\r\nContent-Length: 3\r\n\r\n" + body,
		"POST /api/auth/forgot-password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: " + cl + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /admin HTTP/1.1\r\n\r\n",
		"POST /api/auth/forgot-password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: -1\r\n\r\n" + body,
		"POST /api/auth/forgot-password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999999999999999\r\n\r\n" + body,
		"POST /api/auth/forgot-password HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n" + body + "\r\n0\r\n\r\n",
		"POST /api/auth/forgot-password HTTP/1.1\nHost: x\nContent-Type: application/json\nContent-Length: " + cl + "\n\n" + body,
		"GET /healthz HTTP/1.1\r\nHost: x\r\nNo colon here\r\n\r\n",
		"G\x00T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /" + strings.Repeat("a", 100000) + " HTTP/1.1\r\nHost: x\r\n\r\n",
		"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03",
	})
	return hostileReq{raw: []byte(raw), method: "RAW", path: "(raw)"}
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }
