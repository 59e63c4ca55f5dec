package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/caarlos0/env/v11"
)

// Error lists every configuration problem found at start-up.
type Error struct {
	// Problems are one sentence each, naming the variable and never its
	// value when the variable is a secret.
	Problems []string
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
		b.WriteString(p)
	}
	return b.String()
}

// Add appends problems found outside this package, such as an unreachable
// database, so that start-up still reports everything in one message.
func (e *Error) Add(problem string) { e.Problems = append(e.Problems, problem) }

// Only keeps the problems about variables whose names start with one of
// prefixes, for subcommands that need only part of the configuration
// (`api migrate` needs the database, `worker check-smtp` the SMTP server).
// It returns nil when none is left.
func (e *Error) Only(prefixes ...string) *Error {
	var keep []string
	for _, p := range e.Problems {
		for _, prefix := range prefixes {
			if strings.HasPrefix(p, prefix) {
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
		p.add(err.Error())
		return p
	}
	for _, e := range agg.Errors {
		var pe env.ParseError
		if errors.As(e, &pe) {
			name := names[pe.Name]
			if name == "" {
				name = pe.Name
			}
			p.addf("%s must be %s", name, describeType(pe.Type.String()))
			continue
		}
		p.add(e.Error())
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
