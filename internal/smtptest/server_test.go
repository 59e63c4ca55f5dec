package smtptest

import (
	"context"
	"crypto/tls"
	"net"
	"net/smtp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// body is a minimal message for the standard library client.
const body = "Subject: hi\r\n\r\nhello\r\n"

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return c
}

// send delivers one message with net/smtp, an independent client.
func send(t *testing.T, s *Server, to string) error {
	t.Helper()
	return smtp.SendMail(s.Addr(), nil, "from@example.com", []string{to}, []byte(body))
}

func TestServerReceives(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{})
	require.Equal(t, "127.0.0.1", s.Host())
	require.Positive(t, s.Port())
	require.NoError(t, send(t, s, "a@example.com"))
	require.NoError(t, s.WaitForCount(ctx(t), 1))

	got := s.Messages()
	require.Len(t, got, 1)
	require.Equal(t, "from@example.com", got[0].From)
	require.Equal(t, []string{"a@example.com"}, got[0].To)
	require.Equal(t, body, string(got[0].Data))
	require.Equal(t, len(body), got[0].Size)
	require.False(t, got[0].At.IsZero())
	require.Equal(t, int64(1), s.Dials())
}

// greeted starts a plain server and a client that has said EHLO to it.
func greeted(t *testing.T) (*Server, *smtp.Client) {
	t.Helper()
	s := NewT(t, Options{})
	c, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	require.NoError(t, c.Hello("localhost"))
	return s, c
}

func TestServerAdvertisesPipelining(t *testing.T) {
	t.Parallel()
	_, c := greeted(t)
	ok, _ := c.Extension("PIPELINING")
	require.True(t, ok)
	ok, _ = c.Extension("STARTTLS")
	require.False(t, ok, "no STARTTLS without TLS")
}

func TestServerDiscardKeepsPrefix(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{Discard: true, KeepBytes: 8})
	require.NoError(t, send(t, s, "a@example.com"))
	got := s.Messages()
	require.Len(t, got, 1)
	require.Equal(t, body[:8], string(got[0].Data))
	require.Equal(t, len(body), got[0].Size)
}

func TestServerStartTLSAndAuth(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{TLS: true, AuthUser: "u", AuthPass: "p"})
	c, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.StartTLS(&tls.Config{ServerName: "127.0.0.1", RootCAs: s.RootCAs()}))
	require.Error(t, c.Mail("from@example.com"), "AUTH is required")
	require.NoError(t, c.Auth(smtp.PlainAuth("", "u", "p", "127.0.0.1")))
	require.NoError(t, c.Mail("from@example.com"))
	require.NoError(t, c.Rcpt("a@example.com"))
	w, err := c.Data()
	require.NoError(t, err)
	_, err = w.Write([]byte(body))
	require.NoError(t, err)
	require.NoError(t, w.Close())
	require.NoError(t, c.Quit())
	got := s.Messages()
	require.Len(t, got, 1)
	require.True(t, got[0].TLS)
}

func TestServerRejectsWrongPassword(t *testing.T) {
	t.Parallel()
	for _, mech := range []string{"PLAIN", "LOGIN"} {
		s := NewT(t, Options{AuthUser: "u", AuthPass: "p", AuthMechanisms: []string{mech}})
		c, err := smtp.Dial(s.Addr())
		require.NoError(t, err)
		require.NoError(t, c.Hello("localhost"))
		ok, mechs := c.Extension("AUTH")
		require.True(t, ok)
		require.Equal(t, mech, mechs)
		require.NoError(t, c.Close())
	}
	s := NewT(t, Options{AuthUser: "u", AuthPass: "p"})
	c, err := smtp.Dial(s.Addr())
	require.NoError(t, err)
	defer c.Close()
	err = c.Auth(smtp.PlainAuth("", "u", "wrong", "127.0.0.1"))
	require.ErrorContains(t, err, "535")
}

func TestServerImplicitTLS(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{ImplicitTLS: true})
	conn, err := tls.Dial("tcp", s.Addr(), &tls.Config{ServerName: "127.0.0.1", RootCAs: s.RootCAs()})
	require.NoError(t, err)
	c, err := smtp.NewClient(conn, "127.0.0.1")
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.Mail("from@example.com"))
	require.NoError(t, c.Rcpt("a@example.com"))
	w, err := c.Data()
	require.NoError(t, err)
	_, _ = w.Write([]byte(body))
	require.NoError(t, w.Close())
	require.True(t, s.Messages()[0].TLS)
}

func TestFaultHelpers(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{Fault: Chain(
		RejectDomain("blocked.example"),
		TempFailFirst(2),
	)})
	for range 2 {
		err := send(t, s, "a@example.com")
		require.ErrorContains(t, err, "451")
	}
	require.NoError(t, send(t, s, "a@example.com"))
	// b@ has its own count.
	require.ErrorContains(t, send(t, s, "b@example.com"), "451")

	err := send(t, s, "x@blocked.example")
	require.ErrorContains(t, err, "550")
	require.Equal(t, 1, s.Count())
}

func TestFaultAttemptFields(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []Attempt
	s := NewT(t, Options{Fault: func(a Attempt) Fault {
		mu.Lock()
		seen = append(seen, a)
		mu.Unlock()
		return Fault{}
	}})
	require.NoError(t, send(t, s, "a@example.com"))
	require.NoError(t, send(t, s, "b@example.com"))
	mu.Lock()
	defer mu.Unlock()
	var rcpts []Attempt
	for _, a := range seen {
		if a.Stage == StageRcpt {
			rcpts = append(rcpts, a)
		}
	}
	require.Equal(t, []Attempt{
		{Stage: StageRcpt, From: "from@example.com", To: "a@example.com", Seq: 1, Conn: 1},
		{Stage: StageRcpt, From: "from@example.com", To: "b@example.com", Seq: 2, Conn: 2},
	}, rcpts)
}

func TestFaultDropMidData(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{Fault: DropDataFirst(1)})
	err := smtp.SendMail(s.Addr(), nil, "from@example.com", []string{"a@example.com"}, []byte(body+strings.Repeat("x", 4096)+"\r\n"))
	require.Error(t, err)
	require.NoError(t, send(t, s, "a@example.com"))
	require.Equal(t, 1, s.Count())
}

func TestFaultDelayEndsOnClose(t *testing.T) {
	t.Parallel()
	s, err := Start(Options{Fault: At(StageMail, Fault{Delay: time.Hour})})
	require.NoError(t, err)
	done := make(chan error, 1)
	go func() { done <- send(t, s, "a@example.com") }()
	require.Eventually(t, func() bool { return s.ActiveConns() == 1 }, 10*time.Second, 5*time.Millisecond)
	require.NoError(t, s.Close())
	select {
	case err := <-done:
		require.Error(t, err)
	case <-time.After(20 * time.Second):
		t.Fatal("delayed reply outlived Close")
	}
}

func TestIdleTimeout(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{IdleTimeout: 50 * time.Millisecond})
	conn, err := net.Dial("tcp", s.Addr())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetDeadline(time.Now().Add(10*time.Second)))
	buf := make([]byte, 512)
	var all []byte
	for {
		n, err := conn.Read(buf)
		all = append(all, buf[:n]...)
		if err != nil {
			break
		}
	}
	require.Contains(t, string(all), "421 4.4.2 Idle timeout")
}

func TestDownAndUp(t *testing.T) {
	t.Parallel()
	s, c := greeted(t)
	require.Equal(t, int64(1), s.ActiveConns())

	s.Down()
	require.Error(t, c.Noop(), "open connections are closed")
	require.Error(t, send(t, s, "a@example.com"))
	require.Equal(t, int64(2), s.Dials(), "refused connections are counted")

	require.NoError(t, s.Up())
	require.NoError(t, send(t, s, "a@example.com"))
	require.Equal(t, 1, s.Count())
	require.Equal(t, int64(1), s.MaxActiveConns())
}

func TestWaitForCountHonoursContext(t *testing.T) {
	t.Parallel()
	s := NewT(t, Options{})
	c, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	require.ErrorIs(t, s.WaitForCount(c, 1), context.DeadlineExceeded)
	require.NoError(t, s.WaitForCount(ctx(t), 0))
}

func TestCloseBeforeServe(t *testing.T) {
	t.Parallel()
	for range 20 {
		s, err := Start(Options{})
		require.NoError(t, err)
		require.NoError(t, s.Close())
		require.Error(t, s.Up())
	}
}

func TestBlackhole(t *testing.T) {
	t.Parallel()
	b, err := StartBlackhole()
	require.NoError(t, err)
	defer b.Close()
	conn, err := net.Dial("tcp", b.Addr())
	require.NoError(t, err)
	defer conn.Close()
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(50*time.Millisecond)))
	_, err = conn.Read(make([]byte, 1))
	var ne net.Error
	require.ErrorAs(t, err, &ne)
	require.True(t, ne.Timeout(), "the blackhole never speaks")
	require.Eventually(t, func() bool { return b.Dials() == 1 }, 10*time.Second, 5*time.Millisecond)
}
