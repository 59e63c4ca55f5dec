package templates

import (
	"testing"

	"github.com/todoapp/resetmail/internal/mail"
)

// BenchmarkRenderAndCompose measures the CPU cost per email before SMTP:
// rendering the three templates, composing the MIME message, and both.
func BenchmarkRenderAndCompose(b *testing.B) {
	r := newRenderer(b, "")
	d := resetData()
	out, err := r.Reset(d)
	if err != nil {
		b.Fatal(err)
	}
	compose := func(out mail.Rendered) error {
		_, err := mail.Compose(mail.Message{From: "Todo <no-reply@example.com>", To: "john@example.com", Subject: out.Subject, Text: out.Text, HTML: out.HTML})
		return err
	}
	b.Run("render", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Reset(d); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("compose", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := compose(out); err != nil {
				b.Fatal(err)
			}
		}
	})
	// The workers' path: the sender parsed once at start, the message
	// built by NewMessage (compose above parses the From string each time).
	from, err := mail.NewFrom("Todo <no-reply@example.com>")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("compose_newmessage", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := mail.Compose(mail.NewMessage(from, "john@example.com", out)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("both", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out, err := r.Reset(d)
			if err == nil {
				err = compose(out)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
}
