package templates

import (
	"fmt"
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

// formatterFor returns the formatter for a language of the templates
// (default or TEMPLATE_DIR). The shipped languages and a few more that
// TEMPLATE_DIR is likely to add have CLDR dates and duration words; any
// other language gets ISO 8601 dates and "60 min", which every reader
// understands.
func formatterFor(lang string) formatter {
	base, _ := language.Make(lang).Base()
	switch base.String() {
	case "en":
		return formatter{en.New(), durationWords{"less than a minute", "1 minute", "%d minutes", "1 hour", "%d hours", "%d hours %d minutes"}}
	case "de":
		return formatter{de.New(), durationWords{"weniger als einer Minute", "einer Minute", "%d Minuten", "einer Stunde", "%d Stunden", "%d Stunden und %d Minuten"}}
	case "es":
		return formatter{es.New(), durationWords{"menos de un minuto", "1 minuto", "%d minutos", "1 hora", "%d horas", "%d horas y %d minutos"}}
	case "fr":
		return formatter{fr.New(), durationWords{"moins d’une minute", "1 minute", "%d minutes", "1 heure", "%d heures", "%d heures %d minutes"}}
	case "it":
		return formatter{it.New(), durationWords{"meno di un minuto", "1 minuto", "%d minuti", "1 ora", "%d ore", "%d ore e %d minuti"}}
	case "pt":
		return formatter{pt.New(), durationWords{"menos de um minuto", "1 minuto", "%d minutos", "1 hora", "%d horas", "%d horas e %d minutos"}}
	case "nl":
		return formatter{nl.New(), durationWords{"minder dan een minuut", "1 minuut", "%d minuten", "1 uur", "%d uur", "%d uur en %d minuten"}}
	}
	return formatter{nil, durationWords{"< 1 min", "1 min", "%d min", "1 h", "%d h", "%d h %d min"}}
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
