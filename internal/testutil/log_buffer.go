// Package testutil holds small helpers shared by tests, and by the test tools
// (chaos, bench), that run a binary, in-process or as a child, and read its
// log output.
package testutil

import (
	"bytes"
	"regexp"
	"sync"
	"testing"
	"time"
)

// LogBuffer is a goroutine-safe io.Writer that tests hand to run() as
// stdout, or to a child process as stdout and stderr, then search. It is the
// one such buffer: the process runners (stack, pgbouncertest, packaging,
// webtest) all keep their child's output in one.
type LogBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write implements io.Writer.
func (b *LogBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *LogBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// WaitFor polls until pattern matches the output and returns the first
// submatch (or the whole match when the pattern has no group). It fails the
// test after timeout, printing the output so far.
func (b *LogBuffer) WaitFor(t testing.TB, pattern string, timeout time.Duration) string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	deadline := time.Now().Add(timeout)
	for {
		if m := re.FindStringSubmatch(b.String()); m != nil {
			if len(m) > 1 {
				return m[1]
			}
			return m[0]
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %q in output:\n%s", pattern, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}
