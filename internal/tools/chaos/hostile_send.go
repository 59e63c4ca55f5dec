package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// sendHostile sends one hostile request and returns the status and the
// start of the body.
func (st *Stack) sendHostile(ctx context.Context, hr hostileReq) (int, string, error) {
	if hr.raw != nil {
		return st.sendRaw(hr.raw)
	}
	rd, length := hr.reader()
	var body io.Reader = rd
	if length < 0 {
		// Hiding the reader's type stops net/http from learning the length,
		// so the body goes out chunked.
		body = io.MultiReader(rd)
	}
	req, err := http.NewRequestWithContext(ctx, hr.method, "http://"+st.api.Addr+hr.path, body)
	if err != nil {
		return 0, "", err
	}
	if len(hr.body) == 0 {
		req.Body, req.ContentLength = nil, 0
	}
	for k, v := range hr.header {
		req.Header.Set(k, v)
	}
	status, raw, err := st.do(req)
	return status, string(raw[:min(len(raw), 200)]), err
}

// sendRaw writes raw to a new connection and reads the status line of the
// answer. A server may also just close the connection on garbage; that is
// reported as status 0 with a nil error, which is an acceptable answer to
// broken framing (it is not a crash: the drill checks health afterwards).
func (st *Stack) sendRaw(raw []byte) (int, string, error) {
	conn, err := net.DialTimeout("tcp", st.api.Addr, 5*time.Second)
	if err != nil {
		return 0, "", err
	}
	defer conn.Close()
	// A request line that never ends (a TLS hello has no newline) is held
	// until the server's HTTP_READ_TIMEOUT; no need to wait for that.
	_ = conn.SetDeadline(time.Now().Add(3 * time.Second))
	if _, err := conn.Write(raw); err != nil {
		return 0, "", nil
	}
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		return 0, "", nil
	}
	var proto string
	var status int
	if _, err := fmt.Sscanf(line, "%s %d", &proto, &status); err != nil {
		return 0, "", fmt.Errorf("unreadable status line %q", line)
	}
	return status, strings.TrimSpace(line), nil
}

// hostileTally counts answers per category.
type hostileTally struct {
	mu     sync.Mutex
	status map[int]int
	// asked counts forgot-password 202s per lower-cased address: each may
	// legitimately produce one mail.
	asked           map[string]int
	byKind          map[string]map[int]int
	fiveXX          int
	examples        []string
	unexpectedDrops int
	dropExamples    []string
}

func newHostileTally() *hostileTally {
	return &hostileTally{status: map[int]int{}, byKind: map[string]map[int]int{}, asked: map[string]int{}}
}

func (t *hostileTally) add(hr hostileReq, status int, body string, err error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if err != nil {
		status = 0
	}
	t.status[status]++
	if t.byKind[hr.kind] == nil {
		t.byKind[hr.kind] = map[int]int{}
	}
	t.byKind[hr.kind][status]++
	if status == http.StatusAccepted && hr.path == "/api/auth/forgot-password" {
		var b struct {
			Email string `json:"email"`
		}
		_ = json.Unmarshal(hr.body, &b)
		t.asked[strings.ToLower(strings.TrimSpace(b.Email))]++
	}
	desc := fmt.Sprintf("%s %s %.80q → %d %s", hr.method, truncate(hr.path, 60), hr.body, status, body)
	if status >= 500 {
		t.fiveXX++
		if len(t.examples) < 5 {
			t.examples = append(t.examples, desc)
		}
	}
	// A server may close the connection on an oversized request before the
	// client has finished writing it; the client then sees a write error
	// instead of the 413 or 431. Anywhere else a transport error is a
	// finding (sendRaw reports a plain close on broken framing as no error).
	if err != nil && !strings.HasPrefix(hr.kind, "huge") {
		t.unexpectedDrops++
		if len(t.dropExamples) < 5 {
			t.dropExamples = append(t.dropExamples, fmt.Sprintf("%s: %v", desc, err))
		}
	}
}

// duplicates counts mails beyond one per forgot-password 202 for each
// recipient; extra is the normal request's address, asked once.
func (t *hostileTally) duplicates(msgs []smtptest.Received, extra string) int {
	got := map[string]int{}
	for _, m := range msgs {
		for _, to := range m.To {
			got[strings.ToLower(to)]++
		}
	}
	dups := 0
	for to, n := range got {
		asked := t.asked[to]
		if to == extra {
			asked++
		}
		dups += max(0, n-asked)
	}
	return dups
}

func (t *hostileTally) kindNames() []string {
	out := make([]string, 0, len(t.byKind))
	for k := range t.byKind {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
