// Command webdev serves the static web app in web/ for development and
// tests, the way Vercel serves it in production: clean URLs (/sign-in is
// sign-in.html, /sign-in.html redirects to /sign-in), 404.html for unknown
// paths, and the response headers listed in web/vercel.json. It is a Go
// standard-library HTTP server; `make run` starts it at FRONTEND_URL.
//
//	webdev -addr localhost:3000 -dir web -api http://localhost:8080
//
// With -api, /config.js is generated so that the app calls that API, and the
// Content-Security-Policy's connect-src names that API's origin. Without it,
// web/config.js is served as it is and connect-src names its API_URL's origin.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "webdev:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	flags := flag.NewFlagSet("webdev", flag.ContinueOnError)
	flags.SetOutput(stderr)
	addr := flags.String("addr", "localhost:3000", "address to listen on (host:port; port 0 picks a free one)")
	dir := flags.String("dir", "web", "the directory to serve")
	api := flags.String("api", "", "the API's base URL, e.g. http://localhost:8080 (default: API_URL in <dir>/config.js)")
	listenFD := flags.Int("listen-fd", 0, "serve on this inherited listening socket instead of -addr (for tests that must know the port before webdev starts)")
	if err := flags.Parse(args); err != nil {
		return err
	}
	if flags.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %v", flags.Args())
	}
	s, err := newSite(*dir, *api)
	if err != nil {
		return err
	}
	defer s.Close()

	var ln net.Listener
	if *listenFD > 0 {
		f := os.NewFile(uintptr(*listenFD), "listener")
		ln, err = net.FileListener(f)
		f.Close()
	} else {
		ln, err = net.Listen("tcp", *addr)
	}
	if err != nil {
		return err
	}
	logger := slog.New(slog.NewJSONHandler(stderr, nil))
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// The start line is what tests wait for; addr carries the real port.
	logger.Info("webdev listening", "addr", ln.Addr().String(), "dir", s.dir, "api", s.apiURL)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
