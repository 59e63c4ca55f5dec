package main

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/todoapp/resetmail/internal/neontest"
	"github.com/todoapp/resetmail/internal/postgres/pgws"
	"github.com/todoapp/resetmail/internal/smtptest"
)

// transportRun is one transport's measurements in figure 7.
type transportRun struct {
	name    string
	connect dist
	api202  dist
	drain   drainResult
}

// figTransport measures DATABASE_TRANSPORT=websocket against tcp on this
// machine, in one run: the WebSocket goes through neontest, the stand-in for
// Neon's endpoint, to the same local Postgres the TCP runs reach directly.
func (h *harness) figTransport(ctx context.Context) (string, error) {
	sz := h.sizes
	probe, err := h.newScenario(ctx, nil, 0)
	if err != nil {
		return "", err
	}
	cfg, err := pgx.ParseConfig(probe.db.URL)
	if err != nil {
		probe.close()
		return "", err
	}
	upstream := net.JoinHostPort(cfg.Host, strconv.Itoa(int(cfg.Port)))
	// The harness's connection strings carry no password; the stand-in
	// checks the empty one like any other. WholeFrames: one frame per
	// write, as Neon sends, so that the stand-in's odd cuts are not
	// measured.
	neon, err := neontest.New(neontest.Options{Endpoints: map[string]string{"localhost": upstream}, WholeFrames: true})
	if err != nil {
		probe.close()
		return "", err
	}
	defer neon.Close()
	wsEnv := []string{"DATABASE_TRANSPORT", "websocket", "DATABASE_WEBSOCKET_URL", neon.URL, "SSL_CERT_FILE", neon.CAFile}

	// Rounds interleave the two transports, and each cell is the best of
	// its rounds, as in figure 2: other people's work on this machine only
	// ever slows a run down.
	runs := []transportRun{{name: "tcp"}, {name: "websocket"}}
	var rounds []string
	for round := 1; round <= sz.APIRounds; round++ {
		for i := range runs {
			r := &runs[i]
			var extra []string
			if r.name == "websocket" {
				extra = wsEnv
			}
			h.logf("  round %d, %s: %d connections", round, r.name, sz.TransportConnects)
			connect, err := connectTimes(ctx, probe.db.URL, sz.TransportConnects, r.name == "websocket", neon)
			if err != nil {
				probe.close()
				return "", fmt.Errorf("%s connect: %w", r.name, err)
			}
			api202, err := h.forgotLatency(ctx, extra)
			if err != nil {
				probe.close()
				return "", fmt.Errorf("%s forgot-password: %w", r.name, err)
			}
			drain, err := h.emailDrain(ctx, sz.TransportJobs, 1, 0, extra...)
			if err != nil {
				probe.close()
				return "", fmt.Errorf("%s drain: %w", r.name, err)
			}
			line := fmt.Sprintf("round %d, %s: connect p50 %s p99 %s; forgot-password p50 %s p99 %s; drain %s mails/s",
				round, r.name, ms(connect.P50), ms(connect.P99), ms(api202.P50), ms(api202.P99), rate(drain.Rate()))
			h.logf("  %s", line)
			rounds = append(rounds, line)
			if round == 1 || connect.P99 < r.connect.P99 {
				r.connect = connect
			}
			if round == 1 || api202.P99 < r.api202.P99 {
				r.api202 = api202
			}
			if round == 1 || drain.Rate() > r.drain.Rate() {
				r.drain = drain
			}
		}
	}
	probe.close()

	tcp, ws := runs[0], runs[1]
	var b strings.Builder
	fmt.Fprintf(&b, "| | TCP (`DATABASE_TRANSPORT=tcp`) | WebSocket (`websocket`, through the stand-in) | WebSocket against TCP |\n|---|---:|---:|---:|\n")
	fmt.Fprintf(&b, "| new connection, ready for a query: p50 / p99 (%d each) | %s / %s | **%s / %s** | %s |\n", tcp.connect.N,
		ms(tcp.connect.P50), ms(tcp.connect.P99), ms(ws.connect.P50), ms(ws.connect.P99), times(ws.connect.P50, tcp.connect.P50))
	fmt.Fprintf(&b, "| POST /api/auth/forgot-password at %.0f/s for %s: p50 / p99 | %s / %s | **%s / %s** | %s |\n", sz.LatencyRate, sz.TransportDuration,
		ms(tcp.api202.P50), ms(tcp.api202.P99), ms(ws.api202.P50), ms(ws.api202.P99), times(ws.api202.P50, tcp.api202.P50))
	fmt.Fprintf(&b, "| drain of %d reset mails, one worker | %s mails/s | **%s mails/s** | %s |\n\n", tcp.drain.Jobs,
		rate(tcp.drain.Rate()), rate(ws.drain.Rate()), pct(ws.drain.Rate()/tcp.drain.Rate()))
	fmt.Fprintf(&b, "Both columns reach the same local Postgres on the same machine in one run. TCP is a plain loopback connection (no TLS, as the tests use); the WebSocket is everything `DATABASE_TRANSPORT=websocket` does on a Space: a TLS handshake verified against a CA (`SSL_CERT_FILE`), an HTTP/1.1 upgrade, the stand-in's cleartext password check and its replay of the startup message to Postgres, then every byte through the pipe, the WebSocket's binary frames and the stand-in's relay, which runs in the benchmark's own process. ")
	fmt.Fprintf(&b, "A connection is timed from the dial to the end of the startup (pgx's `ConnectConfig`), one after another. The forgot-password row is the API (defaults, %d connections) with one worker running, open loop as in figure 3, every request answered 202; the drain is figure 1's measurement (one worker at defaults: %s). ", h.apiDefaults.DatabaseMaxConns, h.settingsLine())
	fmt.Fprintf(&b, "Each cell is the best of %d interleaved rounds (lowest p99, highest rate), because the machine is shared: %s. ", sz.APIRounds, strings.Join(rounds, "; "))
	fmt.Fprintf(&b, "What this cannot show: the distance to Neon (a Space and its database are one round trip apart per query either way; the WebSocket adds round trips only when a connection opens, which the pools make rare), Neon's own proxy, and a suspended compute's wake-up, which dominates the first connection after an idle period whatever the transport.\n")
	return b.String(), nil
}

// times is a/b as "1.8×".
func times(a, b time.Duration) string {
	if b <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f×", float64(a)/float64(b))
}

// connectTimes opens n connections one after another, each closed at once,
// and returns how long each took to be ready for a query.
func connectTimes(ctx context.Context, dbURL string, n int, websocket bool, neon *neontest.Server) (dist, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return dist{}, err
	}
	if websocket {
		d, err := pgws.New(neon.URL, pgws.Options{TLS: neon.ClientTLS()})
		if err != nil {
			return dist{}, err
		}
		if err := d.Configure(&cfg.Config); err != nil {
			return dist{}, err
		}
	}
	var out []time.Duration
	for range n {
		t0 := time.Now()
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err != nil {
			return dist{}, err
		}
		out = append(out, time.Since(t0))
		_ = conn.Close(ctx)
	}
	return summarize(out), nil
}

// forgotLatency runs the API and one worker with extra set on both, sends
// forgot-password requests at a steady rate, and returns the 202s' latency.
func (h *harness) forgotLatency(ctx context.Context, extra []string) (dist, error) {
	sz := h.sizes
	n := int(sz.LatencyRate * sz.TransportDuration.Seconds())
	s, api, err := h.newAPIScenario(ctx, &smtptest.Options{Discard: true}, n, extra...)
	if err != nil {
		return dist{}, err
	}
	defer s.close()
	if _, err := s.startWorkers(ctx, 1, extra...); err != nil {
		return dist{}, err
	}
	settle()
	results := constantRate(ctx, "http://"+api.Addr+"/api/auth/forgot-password", sz.LatencyRate, sz.TransportDuration, func(i int) string { return userEmail(i + 1) })
	if err := checkStatuses(results, 202); err != nil {
		return dist{}, err
	}
	if _, err := s.waitDelivered(ctx, n, time.Minute); err != nil {
		return dist{}, err
	}
	if err := s.checkDelivery(ctx, emails(1, n)); err != nil {
		return dist{}, err
	}
	return summarize(latencies(results)), nil
}
