package httpapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
)

// These fuzz targets send arbitrary bodies to the JSON endpoints of a real
// server over a real database, one database per target, and check that the
// answer is never a 5xx (a panic would be one: recoverPanic turns it into a
// 500) and that every error uses the standard shape. `go test` runs them on
// their seed corpus; `go test -fuzz=FuzzRegisterBody ./internal/httpapi`
// explores further.

// fuzzSeeds are bodies that reach each branch of the decoder.
var fuzzSeeds = []string{
	``,
	`{}`,
	`null`,
	`[]`,
	`"str"`,
	`{"email":"ada@example.com","password":"correct horse battery","name":"Ada"}`,
	`{"email":"ADA@EXAMPLE.COM","password":"correct horse battery","name":"Ada"}`,
	`{"email":"a@b.c","password":"x","name":"<script>"}`,
	`{"email":1,"password":true,"name":[]}`,
	`{"email":"a@example.com","unknown":1}`,
	`{"email":"a@example.com"} trailing`,
	`{"email":"a@example.com"}{"email":"b@example.com"}`,
	`{"email":"\u0000@example.com","password":"\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000","name":"\u0000"}`,
	`{"title":"Buy milk","description":"2 litres","completed":true}`,
	`{"title":"\u0000","description":"\ud800"}`,
	`{"title":"x","completed":null}`,
	`{"title":null,"description":null,"completed":null}`,
	`{"title":"` + "\xff\xfe" + `"}`,
	`{"title":1e999}`,
	`{"completed":"true"}`,
	`{"Title":"case-insensitive match"}`,
	`{"email":"ada@example.com","password":"` + string(bytes.Repeat([]byte("p"), 100)) + `"}`,
	`{"email":"ada@example.com\r\nBcc: evil@example.com","password":"correct horse battery","name":"Ada"}`,
	`{"email":"a@example.com",`,
	`{"a":{"b":{"c":{"d":[[[[[[[[[[]]]]]]]]]]}}}}`,
}

var fuzzContentTypes = []string{"application/json", "application/json; charset=utf-8", "text/plain", ""}

// fuzzEndpoint fuzzes one method and path, with token as the bearer token
// when not empty.
func fuzzEndpoint(f *testing.F, method, path string, b *testBundle, token string) {
	for _, seed := range fuzzSeeds {
		for _, ct := range fuzzContentTypes {
			f.Add(ct, []byte(seed))
		}
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		b.handler.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s answered %d to %q (%s): %s", method, path, rec.Code, body, contentType, rec.Body.String())
		}
		if rec.Code >= 400 {
			var e struct {
				Error struct{ Code, Message string }
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &e); err != nil || e.Error.Code == "" || e.Error.Message == "" {
				t.Fatalf("%d without the error shape: %s", rec.Code, rec.Body.String())
			}
		}
	})
}

func FuzzRegisterBody(f *testing.F) {
	b := setup(f)
	fuzzEndpoint(f, http.MethodPost, "/api/auth/register", b, "")
}

func FuzzLoginBody(f *testing.F) {
	b := setup(f)
	b.register("ada@example.com", "correct horse battery", "Ada")
	fuzzEndpoint(f, http.MethodPost, "/api/auth/login", b, "")
}

func FuzzCreateTaskBody(f *testing.F) {
	b := setup(f)
	fuzzEndpoint(f, http.MethodPost, "/api/tasks", b, b.newUser("ada@example.com"))
}

func FuzzUpdateTaskBody(f *testing.F) {
	b, token := setupWithUser(f)
	task := b.createTask(token, `{"title":"fuzz me"}`)
	fuzzEndpoint(f, http.MethodPatch, taskPath(task), b, token)
}
