package smtp

import (
	"bytes"
	"log/slog"
	"sync"
)

// newTestLogger logs everything, debug included, into buf.
func newTestLogger(buf *bytes.Buffer, mu *sync.Mutex) *slog.Logger {
	return slog.New(slog.NewTextHandler(testLogWriter{buf: buf, mu: mu}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// testLogWriter lets a test read logs written from Sender goroutines.
type testLogWriter struct {
	buf *bytes.Buffer
	mu  *sync.Mutex
}

// Write implements io.Writer.
func (w testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.Write(p)
}
