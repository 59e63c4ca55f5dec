package logging

import (
	"context"
	"log/slog"
	"regexp"
	"strings"

	"github.com/todoapp/resetmail/internal/redact"
)

// secretKeys are attribute keys whose values are dropped whole. Matching is
// case-insensitive and also catches keys that end in one of these, such as
// "smtp_password" or "reset_token".
var secretKeys = []string{
	"password", "passwd", "secret", "token", "authorization", "cookie", "jwt", "key",
}

// jwtPattern is fixed data, compiled once; it holds no mutable state.
var jwtPattern = regexp.MustCompile(`eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+`)

// Redactor is a slog.Handler that masks email addresses (j***@example.com),
// replaces anything shaped like a JWT, and drops attributes whose key names a
// secret, then passes the record on. It is a safety net: code should not log
// such values in the first place.
type Redactor struct {
	next slog.Handler
}

// NewRedactor wraps next.
func NewRedactor(next slog.Handler) *Redactor { return &Redactor{next: next} }

// Enabled implements slog.Handler.
func (r *Redactor) Enabled(ctx context.Context, l slog.Level) bool { return r.next.Enabled(ctx, l) }

// Handle implements slog.Handler.
func (r *Redactor) Handle(ctx context.Context, rec slog.Record) error {
	out := slog.NewRecord(rec.Time, rec.Level, Scrub(rec.Message), rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		if a, keep := redactAttr(a); keep {
			out.AddAttrs(a)
		}
		return true
	})
	return r.next.Handle(ctx, out)
}

// WithAttrs implements slog.Handler.
func (r *Redactor) WithAttrs(attrs []slog.Attr) slog.Handler {
	kept := make([]slog.Attr, 0, len(attrs))
	for _, a := range attrs {
		if a, keep := redactAttr(a); keep {
			kept = append(kept, a)
		}
	}
	return &Redactor{next: r.next.WithAttrs(kept)}
}

// WithGroup implements slog.Handler.
func (r *Redactor) WithGroup(name string) slog.Handler {
	return &Redactor{next: r.next.WithGroup(name)}
}

// IsSecretKey reports whether an attribute or field called key holds a secret.
func IsSecretKey(key string) bool {
	k := strings.ToLower(key)
	for _, s := range secretKeys {
		if k == s || strings.HasSuffix(k, "_"+s) || strings.HasSuffix(k, "-"+s) || strings.HasSuffix(k, s) && len(k) > len(s) && k[len(k)-len(s)-1] == '.' {
			return true
		}
	}
	return false
}

func redactAttr(a slog.Attr) (slog.Attr, bool) {
	if IsSecretKey(a.Key) {
		return a, false
	}
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, Scrub(v.String())), true
	case slog.KindGroup:
		attrs := v.Group()
		kept := make([]slog.Attr, 0, len(attrs))
		for _, ga := range attrs {
			if ga, keep := redactAttr(ga); keep {
				kept = append(kept, ga)
			}
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(kept...)}, true
	case slog.KindAny:
		if err, ok := v.Any().(error); ok {
			return slog.String(a.Key, Scrub(err.Error())), true
		}
		if s, ok := v.Any().(interface{ String() string }); ok {
			return slog.String(a.Key, Scrub(s.String())), true
		}
		return slog.Attr{Key: a.Key, Value: v}, true
	default:
		return slog.Attr{Key: a.Key, Value: v}, true
	}
}

// Scrub masks email addresses (with redact.Addresses, the same masking as
// mail errors, international addresses included) and JWTs inside free text
// such as an error message. The cheap byte checks keep the common case, text
// with neither, free of regular-expression work.
func Scrub(s string) string {
	s = redact.Addresses(s)
	if strings.Contains(s, "eyJ") {
		s = jwtPattern.ReplaceAllString(s, "[jwt]")
	}
	return s
}
