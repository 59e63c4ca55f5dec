package mail

import (
	"context"
	"net"
	"time"
)

// ContextErr is ctx.Err(), but also reports DeadlineExceeded once the deadline
// has passed. The connection's deadline is set to the context's, and the
// socket timer can fire a moment before the context's own; without this,
// the caller would see "i/o timeout" instead of the context's error.
func ContextErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

// IsLoopbackHost mirrors net/smtp's rule for plain-text AUTH: only "localhost"
// and loopback IPs, where the credentials never leave the machine.
func IsLoopbackHost(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
