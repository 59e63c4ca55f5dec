package smtp

import (
	"bufio"
	"bytes"
	"io"
	"math/rand/v2"
	"net/textproto"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/todoapp/resetmail/internal/mail"
	"github.com/todoapp/resetmail/internal/mail/templates"
)

// dotWriterBytes is what textproto's DotWriter writes for msg, the
// behaviour writeDotStuffed must reproduce byte for byte.
func dotWriterBytes(t *testing.T, msg []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	bw := bufio.NewWriter(&buf)
	dw := textproto.NewWriter(bw).DotWriter()
	_, err := dw.Write(msg)
	require.NoError(t, err)
	require.NoError(t, dw.Close())
	return buf.Bytes()
}

func dotStuffedBytes(t *testing.T, msg []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, writeDotStuffed(textproto.NewWriter(bufio.NewWriter(&buf)), msg))
	return buf.Bytes()
}

func TestWriteDotStuffedMatchesDotWriter(t *testing.T) {
	t.Parallel()
	cases := []string{
		"",
		"a",
		".",
		"\r\n",
		".\r\n",
		"..\r\n.\r\n",
		"Subject: x\r\n\r\nbody\r\n.hidden\r\n",
		"no final newline\r\n.last",
		"bare\nlf\n.dot\n",
		"bare\rcr\r.dot",
		"\r\r\n\n.",
		"line\r\n\r\n\r\n",
	}
	for _, c := range cases {
		require.Equal(t, string(dotWriterBytes(t, []byte(c))), string(dotStuffedBytes(t, []byte(c))), "%q", c)
	}
	// Random messages over the characters that matter.
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte{'a', '.', '\r', '\n', ' '}
	for range 2000 {
		msg := make([]byte, rng.IntN(40))
		for i := range msg {
			msg[i] = alphabet[rng.IntN(len(alphabet))]
		}
		require.Equal(t, string(dotWriterBytes(t, msg)), string(dotStuffedBytes(t, msg)), "%q", msg)
	}
	// And messages as mail.Compose writes them: CRLF everywhere.
	for range 2000 {
		var b bytes.Buffer
		for range rng.IntN(6) {
			if rng.IntN(3) == 0 {
				b.WriteByte('.')
			}
			for range rng.IntN(8) {
				b.WriteByte(alphabet[rng.IntN(2)])
			}
			b.WriteString("\r\n")
		}
		if rng.IntN(2) == 0 {
			b.WriteString(".tail")
		}
		msg := b.Bytes()
		require.Equal(t, string(dotWriterBytes(t, msg)), string(dotStuffedBytes(t, msg)), "%q", msg)
	}
}

// composedReset is a reset mail as the worker sends it, for the benchmarks.
func composedReset(b *testing.B) []byte {
	b.Helper()
	r, err := templates.NewRenderer(templates.RendererConfig{})
	require.NoError(b, err)
	out, err := r.Reset(templates.ResetData{AppName: "Todo", Link: "https://app.example.com/reset-password?token=abc", ExpiresAt: time.Now().Add(time.Hour)})
	require.NoError(b, err)
	msg, err := mail.Compose(mail.NewMessage(testSender(b), "ada@example.com", out))
	require.NoError(b, err)
	return msg
}

func BenchmarkWriteDotStuffed(b *testing.B) {
	msg := composedReset(b)
	tw := textproto.NewWriter(bufio.NewWriterSize(io.Discard, 16<<10))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		_ = writeDotStuffed(tw, msg)
	}
}

func BenchmarkTextprotoDotWriter(b *testing.B) {
	msg := composedReset(b)
	tw := textproto.NewWriter(bufio.NewWriterSize(io.Discard, 16<<10))
	b.SetBytes(int64(len(msg)))
	for b.Loop() {
		dw := tw.DotWriter()
		_, _ = dw.Write(msg)
		_ = dw.Close()
	}
}

// testSender is the sender of the test messages, parsed once.
func testSender(t testing.TB) mail.From {
	t.Helper()
	from, err := mail.NewFrom("Todo <" + testFrom + ">")
	require.NoError(t, err)
	return from
}
