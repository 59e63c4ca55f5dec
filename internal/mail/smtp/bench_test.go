package smtp

import (
	"context"
	"testing"
	"time"

	"github.com/todoapp/resetmail/internal/smtptest"
)

// BenchmarkSend measures delivered messages per second through the pooled,
// pipelined sender against smtptest over loopback, with as many sending
// goroutines as GOMAXPROCS × parallelism.
func BenchmarkSend(b *testing.B) {
	for _, bc := range []struct {
		name    string
		opts    smtptest.Options
		tls     TLSMode
		conns   int
		latency time.Duration
	}{
		{name: "plain", conns: 10},
		{name: "starttls", opts: smtptest.Options{TLS: true}, tls: TLSStartTLS, conns: 10},
		{name: "plain_latency5ms", conns: 10, latency: 5 * time.Millisecond},
	} {
		b.Run(bc.name, func(b *testing.B) {
			opts := bc.opts
			opts.Discard = true
			opts.Latency = bc.latency
			srv := smtptest.NewT(b, opts)
			tlsMode := bc.tls
			if tlsMode == "" {
				tlsMode = TLSNone
			}
			s := newTestSender(b, srv.Host(), srv.Port(), func(c *SenderConfig) {
				c.TLS = tlsMode
				c.RootCAs = srv.RootCAs()
				c.MaxConnections = bc.conns
			})
			msg := testMessage(b, "john@example.com")
			ctx := context.Background()
			b.SetParallelism(4)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if err := s.Send(ctx, testFrom, "john@example.com", msg); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
		})
	}
}
