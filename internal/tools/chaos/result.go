package main

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Figure is one named measurement or setting, kept in the order a drill
// adds them so that the printed report reads like the drill ran.
type Figure struct {
	Name  string
	Value string
}

// Result is what one drill measured. The four headline figures every drill
// prints are fields; anything drill-specific goes in Figures.
type Result struct {
	// Drill is the drill's name, e.g. "flaky-smtp".
	Drill string
	// Scenario says in one line what was done, with the sizes used.
	Scenario string
	// Requested is how many reset requests were sent.
	Requested int
	// Accepted is how many of them the API answered 202.
	Accepted int
	// Delivered is how many distinct recipients the sink received a mail for.
	Delivered int
	// Lost is how many accepted requests that should have produced a mail
	// never did.
	Lost int
	// Duplicates is how many mails arrived beyond the first per recipient.
	Duplicates int
	// Drain is from the first request until no job could run any more.
	Drain time.Duration
	// Settings are the environment values the drill changed from defaults.
	Settings []Figure
	// Figures are the drill's own measurements.
	Figures []Figure
	// Violations are the invariants that did not hold; empty means pass.
	Violations []string
	// TimingMisses are speed goals that were missed, such as "delivered
	// within 30 s of the server coming back". They fail `make chaos` but
	// not the CI test, which runs on a loaded machine and must never
	// depend on the wall clock.
	TimingMisses []string
}

// add records a drill-specific figure.
func (r *Result) add(name, format string, args ...any) {
	r.Figures = append(r.Figures, Figure{Name: name, Value: fmt.Sprintf(format, args...)})
}

// check records a violation when ok is false.
func (r *Result) check(ok bool, format string, args ...any) {
	if !ok {
		r.Violations = append(r.Violations, fmt.Sprintf(format, args...))
	}
}

// checkTiming records a missed speed goal when ok is false.
func (r *Result) checkTiming(ok bool, format string, args ...any) {
	if !ok {
		r.TimingMisses = append(r.TimingMisses, fmt.Sprintf(format, args...))
	}
}

// Passed reports whether every invariant held and every speed goal was met.
func (r *Result) Passed() bool { return len(r.Violations) == 0 && len(r.TimingMisses) == 0 }

// problems lists violations and missed speed goals together.
func (r *Result) problems() []string {
	return append(append([]string{}, r.Violations...), r.TimingMisses...)
}

// headline is the four figures the issue asks every drill to print, plus
// the request counts they are relative to.
func (r *Result) headline() []Figure {
	return []Figure{
		{"requested", fmt.Sprint(r.Requested)},
		{"accepted (202)", fmt.Sprint(r.Accepted)},
		{"delivered", fmt.Sprint(r.Delivered)},
		{"lost", fmt.Sprint(r.Lost)},
		{"duplicates", fmt.Sprint(r.Duplicates)},
		{"time to drain", roundDuration(r.Drain)},
	}
}

// Print writes the result as aligned text for a terminal.
func (r *Result) Print(w io.Writer) {
	fmt.Fprintf(w, "\n== %s: %s\n", r.Drill, r.Scenario)
	rows := append(r.headline(), r.Figures...)
	width := 0
	for _, f := range append(rows, r.Settings...) {
		width = max(width, len(f.Name))
	}
	for _, f := range rows {
		fmt.Fprintf(w, "   %-*s  %s\n", width, f.Name, f.Value)
	}
	if len(r.Settings) > 0 {
		fmt.Fprintf(w, "   settings:\n")
		for _, f := range r.Settings {
			fmt.Fprintf(w, "     %-*s  %s\n", width, f.Name, f.Value)
		}
	}
	if r.Passed() {
		fmt.Fprintf(w, "   PASS\n")
		return
	}
	for _, v := range r.problems() {
		fmt.Fprintf(w, "   FAIL: %s\n", v)
	}
}

// Markdown renders the result as the body of the drill's section in
// docs/reliability.md.
func (r *Result) Markdown(meta RunMeta) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Measured %s at commit `%s` with `%s`.\n\n", meta.Date, meta.Commit, meta.Command)
	fmt.Fprintf(&b, "Scenario: %s.\n\n", r.Scenario)
	b.WriteString("| Figure | Value |\n|---|---|\n")
	for _, f := range append(r.headline(), r.Figures...) {
		fmt.Fprintf(&b, "| %s | %s |\n", f.Name, mdEscape(f.Value))
	}
	if len(r.Settings) > 0 {
		b.WriteString("\nSettings changed from their defaults for this drill: ")
		parts := make([]string, 0, len(r.Settings))
		for _, f := range r.Settings {
			parts = append(parts, fmt.Sprintf("`%s=%s`", f.Name, f.Value))
		}
		b.WriteString(strings.Join(parts, ", "))
		b.WriteString(".\n")
	}
	if r.Passed() {
		b.WriteString("\nResult: **pass**: every invariant held and every speed goal was met.\n")
	} else {
		b.WriteString("\nResult: **FAIL**:\n\n")
		for _, v := range r.problems() {
			fmt.Fprintf(&b, "- %s\n", mdEscape(v))
		}
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

// roundDuration prints durations at a precision a reader cares about.
func roundDuration(d time.Duration) string {
	switch {
	case d >= 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	case d >= time.Second:
		return d.Round(10 * time.Millisecond).String()
	default:
		return d.Round(time.Millisecond).String()
	}
}
