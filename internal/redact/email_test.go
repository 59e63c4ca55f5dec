package redact

import "testing"

func TestEmail(t *testing.T) {
	t.Parallel()

	cases := map[string]string{
		"john@example.com":       "j***@example.com",
		"  Jane.Doe@Example.COM": "J***@example.com",
		"élodie@example.fr":      "é***@example.fr",
		"a@b":                    "a***@b",
		"no-at-sign":             "***",
		"@example.com":           "***",
		"john@":                  "***",
		"":                       "***",
	}
	for in, want := range cases {
		if got := Email(in); got != want {
			t.Errorf("Email(%q) = %q, want %q", in, got, want)
		}
	}
}
