package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Problem is one configuration problem, as data: which variable it is
// about and what is wrong, so that a subcommand can keep the problems of the
// variables it reads without parsing sentences.
type Problem struct {
	// Var is the variable at fault, e.g. "SMTP_HOST"; empty when no single
	// variable is (a broken template, an unreadable schema version).
	Var string
	// Problem is one sentence for the operator. It names the variable and
	// never the value of a secret.
	Problem string
}

// Error lists every configuration problem found at start-up. It exits with
// the configuration status, 2 (boot.ExitCode).
type Error struct {
	Problems []Problem
}

func (e *Error) Error() string {
	var b strings.Builder
	n := len(e.Problems)
	if n == 1 {
		b.WriteString("invalid configuration (1 problem):")
	} else {
		fmt.Fprintf(&b, "invalid configuration (%d problems):", n)
	}
	for _, p := range e.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.Problem)
	}
	return b.String()
}

// Add appends a problem about variable v found outside this package, such
// as an unreachable database, so that start-up still reports everything in
// one message. v is empty when no single variable is at fault.
func (e *Error) Add(v, problem string) {
	e.Problems = append(e.Problems, Problem{Var: v, Problem: problem})
}

// Collect adds what err reports: every problem of a *Error, or any other
// error as one problem about no single variable. Start-up passes the
// result of each step to Collect and goes on with the next, so that one
// message reports every problem; a nil err adds nothing.
func (e *Error) Collect(err error) {
	if err == nil {
		return
	}
	var ce *Error
	if errors.As(err, &ce) {
		// A nil *Error in an error interface is no problem either.
		if ce != nil && ce != e {
			e.Problems = append(e.Problems, ce.Problems...)
		}
		return
	}
	e.Add("", err.Error())
}

// Err is e when it holds a problem, or nil.
func (e *Error) Err() error {
	if e == nil || len(e.Problems) == 0 {
		return nil
	}
	return e
}

// About keeps the problems about the variables named, for subcommands that
// need only part of the configuration (`api migrate` needs the database,
// `worker check-mail` the mail provider). It returns nil when none is left.
func (e *Error) About(names ...string) *Error {
	var keep []Problem
	for _, p := range e.Problems {
		for _, n := range names {
			if p.Var == n {
				keep = append(keep, p)
				break
			}
		}
	}
	if len(keep) == 0 {
		return nil
	}
	return &Error{Problems: keep}
}

// Names lists the variables cfg declares whose names start with one of
// prefixes, for About: Names(&Worker{}, "SMTP_") is every SMTP setting,
// including any added later.
func Names(cfg any, prefixes ...string) []string {
	var out []string
	for _, v := range Vars(cfg) {
		for _, prefix := range prefixes {
			if strings.HasPrefix(v.Name, prefix) {
				out = append(out, v.Name)
				break
			}
		}
	}
	return out
}

// parse fills cfg from environ and returns the problems it met, translated
// from caarlos0/env's field names to the variable names operators know.
func parse(cfg any, environ map[string]string) *problems {
	p := &problems{}
	err := env.ParseWithOptions(cfg, env.Options{Environment: environ})
	if err == nil {
		return p
	}
	names := fieldToVar(cfg)
	var agg env.AggregateError
	if !errors.As(err, &agg) {
		p.add("", err.Error())
		return p
	}
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			name := names[pe.Name]
			if name == "" {
				name = pe.Name
			}
			p.addf(name, "%s must be %s", name, describeType(pe.Type.String()))
			continue
		}
		p.add("", e.Error())
	}
	return p
}

func fieldToVar(cfg any) map[string]string {
	out := map[string]string{}
	for _, v := range Vars(cfg) {
		out[v.Field] = v.Name
	}
	return out
}

func describeType(t string) string {
	switch t {
	case "time.Duration":
		return "a duration in Go syntax such as 30s, 30m or 1h"
	case "bool":
		return "true or false"
	case "int", "int32", "int64":
		return "a whole number"
	case "float64":
		return "a number"
	default:
		return "a valid " + t
	}
}

func finish(p *problems) error {
	if len(p.list) == 0 {
		return nil
	}
	return &Error{Problems: p.list}
}
