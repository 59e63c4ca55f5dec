package smtp

import (
	"bufio"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

// probeServer is a scripted SMTP server that checks how commands arrive.
// With pipelining on, it advertises PIPELINING and does not answer MAIL
// until RCPT and DATA have arrived too, so a lock-step client would stall
// and time out: success proves the client pipelines. With pipelining off,
// it records any command that arrived before the previous reply was sent.
type probeServer struct {
	ln         net.Listener
	pipelining bool

	mu         sync.Mutex
	commands   []string
	early      int
	messages   int
	connection int
}

func startProbe(t *testing.T, pipelining bool) *probeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &probeServer{ln: ln, pipelining: pipelining}
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { p.serve(c) })
		}
	})
	t.Cleanup(func() {
		_ = ln.Close()
		wg.Wait()
	})
	return p
}

// record notes a command verb.
func (p *probeServer) record(line string) {
	verb, _, _ := strings.Cut(line, " ")
	p.mu.Lock()
	p.commands = append(p.commands, strings.ToUpper(verb))
	p.mu.Unlock()
}

// serve runs one connection. Connections are closed by the client's QUIT
// (Sender.Close) or when the test's listener closes.
func (p *probeServer) serve(c net.Conn) {
	defer c.Close()
	p.mu.Lock()
	p.connection++
	p.mu.Unlock()
	br := bufio.NewReader(c)
	r := textproto.NewReader(br)
	reply := func(s string) bool {
		_, err := c.Write([]byte(s))
		return err == nil
	}
	// checkLockStep counts a command that was already waiting while the
	// previous reply had not been sent yet.
	checkLockStep := func() {
		if br.Buffered() > 0 {
			p.mu.Lock()
			p.early++
			p.mu.Unlock()
		}
	}
	if !reply("220 probe ESMTP\r\n") {
		return
	}
	for {
		line, err := r.ReadLine()
		if err != nil {
			return
		}
		p.record(line)
		verb, _, _ := strings.Cut(strings.ToUpper(line), " ")
		switch verb {
		case "EHLO":
			ext := "250-probe\r\n250 8BITMIME\r\n"
			if p.pipelining {
				ext = "250-probe\r\n250-PIPELINING\r\n250 8BITMIME\r\n"
			}
			reply(ext)
		case "MAIL":
			if p.pipelining {
				// Hold the reply until the whole batch is in.
				for range 2 {
					next, err := r.ReadLine()
					if err != nil {
						return
					}
					p.record(next)
				}
				reply("250 2.1.0 ok\r\n250 2.1.5 ok\r\n354 go ahead\r\n")
			} else {
				checkLockStep()
				reply("250 2.1.0 ok\r\n")
				continue
			}
			if !p.readBody(r) || !reply("250 2.0.0 queued\r\n") {
				return
			}
		case "RCPT":
			checkLockStep()
			reply("250 2.1.5 ok\r\n")
		case "DATA":
			checkLockStep()
			reply("354 go ahead\r\n")
			if !p.readBody(r) || !reply("250 2.0.0 queued\r\n") {
				return
			}
		case "QUIT":
			reply("221 bye\r\n")
			return
		default:
			reply("250 ok\r\n")
		}
	}
}

// readBody consumes a dot-terminated body.
func (p *probeServer) readBody(r *textproto.Reader) bool {
	if _, err := r.ReadDotBytes(); err != nil {
		return false
	}
	p.mu.Lock()
	p.messages++
	p.mu.Unlock()
	return true
}

func (p *probeServer) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

// sendThree sends three messages through a probe that does or does not
// advertise PIPELINING, and returns both for the checks.
func sendThree(t *testing.T, pipelining bool) (*probeServer, *Sender) {
	t.Helper()
	p := startProbe(t, pipelining)
	s := newTestSender(t, "127.0.0.1", p.port(), nil)
	ctx := testCtx(t)
	for range 3 {
		require.NoError(t, s.Send(ctx, testFrom, "john@example.com", testMessage(t, "john@example.com")))
	}
	return p, s
}

func TestSendPipelinesWhenAdvertised(t *testing.T) {
	t.Parallel()
	p, s := sendThree(t, true)
	require.NoError(t, s.Close())

	p.mu.Lock()
	defer p.mu.Unlock()
	require.Equal(t, 3, p.messages)
	require.Equal(t, 1, p.connection)
	// One EHLO, then exactly MAIL/RCPT/DATA per message: no RSET or NOOP on
	// the hot path.
	want := []string{"EHLO"}
	for range 3 {
		want = append(want, "MAIL", "RCPT", "DATA")
	}
	require.Equal(t, want, p.commands[:len(want)])
	require.Equal(t, uint64(3), s.stats.pipelined.Load())
}

func TestSendLockStepWithoutPipelining(t *testing.T) {
	t.Parallel()
	p, s := sendThree(t, false)
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Equal(t, 3, p.messages)
	require.Zero(t, p.early, "no command may be sent before the previous reply")
	require.Zero(t, s.stats.pipelined.Load())
}
