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

// TestAddresses covers international addresses, which sign-up accepts:
// UTF-8 local parts, IDN domains in Unicode and in punycode, and scripts
// without Latin letters.
func TestAddresses(t *testing.T) {
	t.Parallel()

	cases := map[string]string{
		"sent to john.doe@example.com":                       "sent to j***@example.com",
		"<jürgen@bücher.de>: user unknown":                   "<j***@bücher.de>: user unknown",
		"to Jürgen@Bücher.DE.":                               "to J***@bücher.de.",
		"用户@例子.广告 rejected":                                  "用***@例子.广告 rejected",
		"δοκιμή@παράδειγμα.δοκιμή":                           "δ***@παράδειγμα.δοκιμή",
		"пользователь@пример.рф, and ñandú@xn--bcher-kva.de": "п***@пример.рф, and ñ***@xn--bcher-kva.de",
		"मेल@उदाहरण.भारत":                                    "म***@उदाहरण.भारत",
		"root@localhost said no":                             "r***@localhost said no",
		"a+tag@example.com and b_c@example.org":              "a***@example.com and b***@example.org",
		"no address here":                                    "no address here",
		"already masked j***@example.com":                    "already masked j***@example.com",
	}
	for in, want := range cases {
		if got := Addresses(in); got != want {
			t.Errorf("Addresses(%q) = %q, want %q", in, got, want)
		}
	}
}
