package templates

import (
	_ "embed"
	"fmt"
	"strings"
	"time"

	"github.com/go-playground/locales"
	"github.com/go-playground/locales/de"
	"github.com/go-playground/locales/en"
	"github.com/go-playground/locales/es"
	"github.com/go-playground/locales/fr"
	"github.com/go-playground/locales/it"
	"github.com/go-playground/locales/nl"
	"github.com/go-playground/locales/pt"
	"golang.org/x/text/language"
)

// formatter writes times and durations for one language. Times are in UTC
// and say so: the worker does not know the reader's time zone.
type formatter struct {
	// cldr formats dates and times with the language's CLDR patterns; nil
	// for a language we have no data for, which gets ISO 8601.
	cldr locales.Translator
	// units are the words for durations.
	units durationWords
}

// durationWords are a language's words for "60 minutes" and "2 hours".
type durationWords struct {
	lessThanMinute, minute, minutes, hour, hours, hoursMinutes string
}

// durationTable is durations.tsv: a language's words for durations, one
// base language a line, the six forms of durationWords tab-separated; "*"
// is every language without a line of its own. An embedded file is
// read-only, so this package-level value is not mutable state.
//
//go:embed durations.tsv
var durationTable string

// formatterFor returns the formatter for a language of the templates
// (default or TEMPLATE_DIR). The shipped languages and a few more that
// TEMPLATE_DIR is likely to add have CLDR dates and duration words; any
// other language gets ISO 8601 dates and "60 min", which every reader
// understands.
func formatterFor(lang string) formatter {
	base, _ := language.Make(lang).Base()
	f := formatter{units: durationWordsFor(base.String())}
	for _, t := range []locales.Translator{en.New(), de.New(), es.New(), fr.New(), it.New(), pt.New(), nl.New()} {
		if t.Locale() == base.String() {
			f.cldr = t
		}
	}
	return f
}

// durationWordsFor reads base's line of durationTable, or the "*" line.
func durationWordsFor(base string) durationWords {
	var fallback durationWords
	for _, line := range strings.Split(durationTable, "\n") {
		f := strings.Split(line, "\t")
		if len(f) != 7 || strings.HasPrefix(line, "#") {
			continue
		}
		w := durationWords{f[1], f[2], f[3], f[4], f[5], f[6]}
		switch f[0] {
		case base:
			return w
		case "*":
			fallback = w
		}
	}
	return fallback
}

// time writes the time of day: "20:15 UTC", or "8:15 pm UTC" in English.
func (f formatter) time(at time.Time) string {
	at = at.UTC()
	if f.cldr == nil {
		return at.Format("15:04") + " UTC"
	}
	return f.cldr.FmtTimeShort(at) + " UTC"
}

// dateTime writes a full date and time: "Mittwoch, 2. Januar 2030, 20:15 UTC".
func (f formatter) dateTime(at time.Time) string {
	at = at.UTC()
	if f.cldr == nil {
		return at.Format("2006-01-02") + ", " + f.time(at)
	}
	return f.cldr.FmtDateFull(at) + ", " + f.time(at)
}

// expiry writes when a link expires: the time alone for a link that lives
// up to 12 hours, and with the date for a longer one. A sign-up link sent at
// 10:24 pm that "expires in 24 hours (10:24 pm UTC)" reads as already
// expired; with the date it cannot be misread. (A send's ttl is the time
// left, a little under the configured 24 h, so the threshold sits well
// below it.)
func (f formatter) expiry(at time.Time, ttl time.Duration) string {
	if ttl > 12*time.Hour {
		return f.dateTime(at)
	}
	return f.time(at)
}

// duration writes a lifetime for people: "60 minutes", "3 hours", "3 hours
// 30 minutes". Minutes are used up to two hours because "90 minutes" reads
// more naturally than "1 hours 30 minutes".
func (f formatter) duration(d time.Duration) string {
	w := f.units
	mins := int(d.Round(time.Minute) / time.Minute)
	switch {
	case mins < 1:
		return w.lessThanMinute
	case mins == 1:
		return w.minute
	case mins < 120:
		return fmt.Sprintf(w.minutes, mins)
	case mins%60 == 0:
		return fmt.Sprintf(w.hours, mins/60)
	}
	return fmt.Sprintf(w.hoursMinutes, mins/60, mins%60)
}
