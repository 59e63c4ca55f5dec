package boot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/todoapp/resetmail/internal/config"
)

// Server is an http.Server serving its own listener in the background: the
// API's public port and metrics port, the worker's health port.
type Server struct {
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
	err  error
}

// HTTPServer is the http.Server of every listener, public or private, with
// the read and idle timeouts of HTTP_READ_TIMEOUT and HTTP_IDLE_TIMEOUT:
// without them an idle connection stayed open for good (issue 23, item 7).
func HTTPServer(h http.Handler, c *config.Common) *http.Server {
	return &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second, ReadTimeout: c.HTTPReadTimeout, IdleTimeout: c.HTTPIdleTimeout}
}

// Listen listens on addr and serves srv there in the background. setting
// names where addr came from ("PORT 8080") in the error.
func Listen(srv *http.Server, addr, setting string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", setting, err)
	}
	s := &Server{srv: srv, ln: ln, done: make(chan struct{})}
	go func() {
		s.err = srv.Serve(ln)
		if errors.Is(s.err, http.ErrServerClosed) {
			s.err = nil
		}
		close(s.done)
	}()
	return s, nil
}

// Addr is the address the server listens on, with the port the system
// chose for port 0.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Done is closed when the server has stopped serving, by Shutdown or by
// itself.
func (s *Server) Done() <-chan struct{} { return s.done }

// Err waits until the server has stopped serving and returns why, or nil
// when Shutdown stopped it.
func (s *Server) Err() error {
	<-s.done
	return s.err
}

// Shutdown stops accepting and lets in-flight requests finish until ctx
// ends. It returns http.Server.Shutdown's error; Err says how serving
// ended.
func (s *Server) Shutdown(ctx context.Context) error { return s.srv.Shutdown(ctx) }

// Close shuts down a server whose requests are short and may be cut (health
// checks, scrapes): it waits for them at most two seconds, then returns
// what Err does.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = s.Shutdown(ctx)
	return s.Err()
}
