package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// createTask creates a task through the API and returns its JSON.
func (b *testBundle) createTask(token, body string) map[string]any {
	b.t.Helper()
	rec := b.do(request{method: http.MethodPost, path: "/api/tasks", token: token, body: body})
	require.Equal(b.t, http.StatusCreated, rec.Code, rec.Body.String())
	return decode(b.t, rec)["task"].(map[string]any)
}

func taskPath(task map[string]any) string {
	return fmt.Sprintf("/api/tasks/%d", int64(task["id"].(float64)))
}

func TestTaskLifecycle(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t)

	rec := b.do(request{method: http.MethodPost, path: "/api/tasks", token: token, body: `{"title":"  Buy milk ","description":"2 litres\nsemi-skimmed"}`})
	require.Equal(t, http.StatusCreated, rec.Code, rec.Body.String())
	task := decode(t, rec)["task"].(map[string]any)
	require.Equal(t, "Buy milk", task["title"])
	require.Equal(t, "2 litres\nsemi-skimmed", task["description"])
	require.Equal(t, false, task["completed"])
	require.ElementsMatch(t, []string{"id", "title", "description", "completed", "created_at", "updated_at"}, keys(task))
	require.Equal(t, taskPath(task), rec.Header().Get("Location"))

	rec = b.do(request{method: http.MethodGet, path: taskPath(task), token: token})
	require.Equal(t, http.StatusOK, rec.Code)
	require.Equal(t, task, decode(t, rec)["task"])

	// A partial update changes only what it names.
	rec = b.do(request{method: http.MethodPatch, path: taskPath(task), token: token, body: `{"completed":true}`})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	updated := decode(t, rec)["task"].(map[string]any)
	require.Equal(t, true, updated["completed"])
	require.Equal(t, "Buy milk", updated["title"])
	require.Equal(t, "2 litres\nsemi-skimmed", updated["description"])

	rec = b.do(request{method: http.MethodPatch, path: taskPath(task), token: token, body: `{"title":"Buy oat milk","description":""}`})
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	updated = decode(t, rec)["task"].(map[string]any)
	require.Equal(t, "Buy oat milk", updated["title"])
	require.Equal(t, "", updated["description"])
	require.Equal(t, true, updated["completed"])

	rec = b.do(request{method: http.MethodDelete, path: taskPath(task), token: token})
	require.Equal(t, http.StatusNoContent, rec.Code)
	require.Empty(t, rec.Body.String())

	requireError(t, b.do(request{method: http.MethodGet, path: taskPath(task), token: token}), http.StatusNotFound, "not_found")
	requireError(t, b.do(request{method: http.MethodDelete, path: taskPath(task), token: token}), http.StatusNotFound, "not_found")
	requireError(t, b.do(request{method: http.MethodPatch, path: taskPath(task), token: token, body: `{"completed":false}`}), http.StatusNotFound, "not_found")
}

func TestTaskValidation(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t)
	task := b.createTask(token, `{"title":"Keep me"}`)

	for _, tc := range []struct {
		method, path, body string
		fields             []string
	}{
		{http.MethodPost, "/api/tasks", `{}`, []string{"title"}},
		{http.MethodPost, "/api/tasks", `{"title":"   "}`, []string{"title"}},
		{http.MethodPost, "/api/tasks", `{"title":"` + strings.Repeat("t", 201) + `"}`, []string{"title"}},
		{http.MethodPost, "/api/tasks", `{"title":"two\nlines"}`, []string{"title"}},
		{http.MethodPost, "/api/tasks", `{"title":"nul\u0000"}`, []string{"title"}},
		{http.MethodPost, "/api/tasks", `{"title":"ok","description":"` + strings.Repeat("d", 2001) + `"}`, []string{"description"}},
		{http.MethodPost, "/api/tasks", `{"title":"ok","description":"nul\u0000byte"}`, []string{"description"}},
		{http.MethodPost, "/api/tasks", `{"title":null,"description":"x"}`, []string{"title"}},
		{http.MethodPatch, taskPath(task), `{"title":""}`, []string{"title"}},
		{http.MethodPatch, taskPath(task), `{"title":null}`, []string{"title"}},
		{http.MethodPatch, taskPath(task), `{"description":null,"completed":null}`, []string{"description", "completed"}},
		{http.MethodPatch, taskPath(task), `{}`, []string{}},
		{http.MethodPatch, taskPath(task), `null`, []string{}},
	} {
		rec := b.do(request{method: tc.method, path: tc.path, token: token, body: tc.body})
		require.ElementsMatch(t, tc.fields, keys(fieldErrors(t, rec)), tc.body)
	}

	// Wrong types and unknown fields are malformed requests, not validation.
	for _, body := range []string{`{"title":1}`, `{"title":"x","completed":"yes"}`, `{"title":"x","owner":2}`, `[]`} {
		requireError(t, b.do(request{method: http.MethodPost, path: "/api/tasks", token: token, body: body}), http.StatusBadRequest, "invalid_request")
	}
	for _, body := range []string{`{"completed":"yes"}`, `{"id":5}`, `{"title":["x"]}`} {
		requireError(t, b.do(request{method: http.MethodPatch, path: taskPath(task), token: token, body: body}), http.StatusBadRequest, "invalid_request")
	}

	// The task came through every refusal unchanged.
	rec := b.do(request{method: http.MethodGet, path: taskPath(task), token: token})
	require.Equal(t, task, decode(t, rec)["task"])

	// Exactly at the limits is fine; limits count characters, not bytes.
	b.createTask(token, `{"title":"`+strings.Repeat("é", 200)+`","description":"`+strings.Repeat("é", 2000)+`"}`)
}

func TestTaskIDsThatNameNoTask(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t)
	for _, id := range []string{"0", "-1", "abc", "1.5", "99999999999999999999", "9223372036854775807"} {
		for _, method := range []string{http.MethodGet, http.MethodPatch, http.MethodDelete} {
			rec := b.do(request{method: method, path: "/api/tasks/" + id, token: token, body: `{"completed":true}`})
			requireError(t, rec, http.StatusNotFound, "not_found")
		}
	}
}

func TestTasksAreIsolatedBetweenUsers(t *testing.T) {
	t.Parallel()
	b := setup(t)
	ada := b.newUser("ada@example.com")
	bob := b.newUser("bob@example.com")
	adaTask := b.createTask(ada, `{"title":"Ada's secret"}`)
	bobTask := b.createTask(bob, `{"title":"Bob's task"}`)

	// Bob cannot see, change or delete Ada's task: it is 404, never 403.
	requireError(t, b.do(request{method: http.MethodGet, path: taskPath(adaTask), token: bob}), http.StatusNotFound, "not_found")
	requireError(t, b.do(request{method: http.MethodPatch, path: taskPath(adaTask), token: bob, body: `{"title":"pwned"}`}), http.StatusNotFound, "not_found")
	requireError(t, b.do(request{method: http.MethodDelete, path: taskPath(adaTask), token: bob}), http.StatusNotFound, "not_found")

	// A missing task and someone else's look exactly alike.
	missing := b.do(request{method: http.MethodGet, path: "/api/tasks/99999", token: bob})
	other := b.do(request{method: http.MethodGet, path: taskPath(adaTask), token: bob})
	require.Equal(t, missing.Body.String(), other.Body.String())

	// Each list holds only its owner's tasks.
	for token, want := range map[string]map[string]any{ada: adaTask, bob: bobTask} {
		rec := b.do(request{method: http.MethodGet, path: "/api/tasks", token: token})
		require.Equal(t, http.StatusOK, rec.Code)
		require.Equal(t, []any{want}, decode(t, rec)["tasks"])
	}

	// Ada's task survived Bob's attempts.
	rec := b.do(request{method: http.MethodGet, path: taskPath(adaTask), token: ada})
	require.Equal(t, adaTask, decode(t, rec)["task"])
}

func TestListTasksPagesAndFilters(t *testing.T) {
	t.Parallel()
	b, token := setupWithUser(t)

	rec := b.do(request{method: http.MethodGet, path: "/api/tasks", token: token})
	require.Equal(t, http.StatusOK, rec.Code)
	require.JSONEq(t, `{"tasks":[],"next_cursor":null}`, rec.Body.String())

	var created []string
	for i := range 7 {
		task := b.createTask(token, fmt.Sprintf(`{"title":"task %d","completed":%t}`, i, i%2 == 0))
		created = append(created, task["title"].(string))
	}

	// Pages of 3, newest first, then a last page without a cursor.
	var seen []string
	query := url.Values{"limit": {"3"}}
	for page := 0; ; page++ {
		require.Less(t, page, 5, "pagination does not end")
		rec := b.do(request{method: http.MethodGet, path: "/api/tasks?" + query.Encode(), token: token})
		require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		body := decode(t, rec)
		tasks := body["tasks"].([]any)
		require.LessOrEqual(t, len(tasks), 3)
		for _, task := range tasks {
			seen = append(seen, task.(map[string]any)["title"].(string))
		}
		if body["next_cursor"] == nil {
			break
		}
		query.Set("cursor", body["next_cursor"].(string))
	}
	require.Equal(t, []string{"task 6", "task 5", "task 4", "task 3", "task 2", "task 1", "task 0"}, seen)
	require.Len(t, created, 7)

	// The completed filter.
	for filter, want := range map[string][]string{
		"true":  {"task 6", "task 4", "task 2", "task 0"},
		"false": {"task 5", "task 3", "task 1"},
	} {
		rec := b.do(request{method: http.MethodGet, path: "/api/tasks?completed=" + filter, token: token})
		require.Equal(t, http.StatusOK, rec.Code)
		var titles []string
		for _, task := range decode(t, rec)["tasks"].([]any) {
			titles = append(titles, task.(map[string]any)["title"].(string))
		}
		require.Equal(t, want, titles, filter)
	}

	// Filter and cursor combine.
	rec = b.do(request{method: http.MethodGet, path: "/api/tasks?completed=true&limit=2", token: token})
	body := decode(t, rec)
	require.Len(t, body["tasks"], 2)
	rec = b.do(request{method: http.MethodGet, path: "/api/tasks?completed=true&limit=2&cursor=" + body["next_cursor"].(string), token: token})
	body = decode(t, rec)
	require.Len(t, body["tasks"], 2)
	require.Equal(t, "task 0", body["tasks"].([]any)[1].(map[string]any)["title"])
	require.Nil(t, body["next_cursor"])

	// Bad parameters are named.
	for query, fields := range map[string][]string{
		"completed=yes":            {"completed"},
		"limit=0":                  {"limit"},
		"limit=101":                {"limit"},
		"limit=ten":                {"limit"},
		"cursor=nonsense":          {"cursor"},
		"cursor=djE6LTE":           {"cursor"},
		"limit=-1&completed=1&x=y": {"limit", "completed"},
	} {
		rec := b.do(request{method: http.MethodGet, path: "/api/tasks?" + query, token: token})
		require.ElementsMatch(t, fields, keys(fieldErrors(t, rec)), query)
	}
}

func TestTaskEndpointsNeedAuthentication(t *testing.T) {
	t.Parallel()
	b := setup(t)
	for _, r := range []request{
		{method: http.MethodGet, path: "/api/tasks"},
		{method: http.MethodPost, path: "/api/tasks", body: `{"title":"x"}`},
		{method: http.MethodGet, path: "/api/tasks/1"},
		{method: http.MethodPatch, path: "/api/tasks/1", body: `{"title":"x"}`},
		{method: http.MethodDelete, path: "/api/tasks/1"},
	} {
		requireError(t, b.do(r), http.StatusUnauthorized, "unauthorized")
	}
}
