package redact

import "testing"

// TestMasks checks both masks on their cases. Addresses' cases include
// international addresses, which sign-up accepts: UTF-8 local parts, IDN
// domains in Unicode and in punycode, and scripts without Latin letters.
func TestMasks(t *testing.T) {
	t.Parallel()

	for _, m := range []struct {
		name  string
		mask  func(string) string
		cases map[string]string
	}{
		{"Email", Email, map[string]string{
			"john@example.com":       "j***@example.com",
			"  Jane.Doe@Example.COM": "J***@example.com",
			"élodie@example.fr":      "é***@example.fr",
			"a@b":                    "a***@b",
			"no-at-sign":             "***",
			"@example.com":           "***",
			"john@":                  "***",
			"":                       "***",
		}},
		{"Addresses", Addresses, map[string]string{
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
		}},
	} {
		for in, want := range m.cases {
			if got := m.mask(in); got != want {
				t.Errorf("%s(%q) = %q, want %q", m.name, in, got, want)
			}
		}
	}
}
