package config

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/todoapp/resetmail/internal/postgres/pgws"
)

// Values of DATABASE_TRANSPORT.
const (
	TransportTCP       = "tcp"
	TransportWebSocket = "websocket"
)

// WebSocket reports whether DATABASE_TRANSPORT is websocket.
func (c *Common) WebSocket() bool { return c.DatabaseTransport == TransportWebSocket }

func (c *Common) validateTransport(p *problems) {
	switch c.DatabaseTransport {
	case TransportTCP:
		if c.DatabaseWebsocketURL != "" {
			p.add("DATABASE_WEBSOCKET_URL", "DATABASE_WEBSOCKET_URL is set but DATABASE_TRANSPORT is tcp; set DATABASE_TRANSPORT=websocket to use it, or remove it")
		}
		return
	case TransportWebSocket:
	default:
		p.addf("DATABASE_TRANSPORT", "DATABASE_TRANSPORT must be tcp or websocket, not %q", c.DatabaseTransport)
		return
	}
	d, err := pgws.New(c.DatabaseWebsocketURL, pgws.Options{})
	if err != nil {
		p.add("DATABASE_WEBSOCKET_URL", err.Error())
		return
	}
	cc, err := pgconn.ParseConfig(c.DatabaseURL)
	if err != nil {
		return // DATABASE_URL's own check reports it.
	}
	if err := d.Configure(cc); err != nil {
		p.add("DATABASE_URL", fmt.Sprintf("DATABASE_TRANSPORT=websocket: %v", err))
	}
}

// PortHint is the sentence added to a timed-out TCP connection at start:
// the likely cause, and what to do on Hugging Face Spaces. It is empty over
// the WebSocket, which goes out on 443.
func (c *Common) PortHint() string {
	if c.WebSocket() {
		return ""
	}
	port := uint16(5432)
	if cc, err := pgconn.ParseConfig(c.DatabaseURL); err == nil {
		port = cc.Port
	}
	return fmt.Sprintf("outbound port %d may be blocked here; on Hugging Face Spaces set DATABASE_TRANSPORT=websocket", port)
}

// DatabaseRoute says, for the start-up log, where the database is reached:
// "tcp host:port" or "websocket wss://host/v2". Neither carries credentials.
func (c *Common) DatabaseRoute() string {
	cc, err := pgconn.ParseConfig(c.DatabaseURL)
	if err != nil {
		return c.DatabaseTransport
	}
	if !c.WebSocket() {
		return fmt.Sprintf("tcp %s:%d", cc.Host, cc.Port)
	}
	d, err := pgws.New(c.DatabaseWebsocketURL, pgws.Options{})
	if err != nil {
		return c.DatabaseTransport
	}
	return "websocket " + d.URL(cc.Host)
}
