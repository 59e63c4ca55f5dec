package config

import (
	"reflect"
	"strings"
)

// Var describes one environment variable a config struct reads.
type Var struct {
	// Name is the variable's name, e.g. "DATABASE_URL".
	Name string
	// Field is the Go field that holds it.
	Field string
	// Default is the envDefault tag's value, empty when there is none.
	Default string
}

// Vars lists the variables cfg (a pointer to a config struct) reads,
// including those of embedded structs. Docs tests use it to check that
// docs/environment.md and .env.example stay complete.
func Vars(cfg any) []Var {
	var out []Var
	collect(reflect.TypeOf(cfg), &out)
	return out
}

func collect(t reflect.Type, out *[]Var) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("env")
		if f.Anonymous && tag == "" {
			collect(f.Type, out)
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if name == "" {
			continue
		}
		*out = append(*out, Var{Name: name, Field: f.Name, Default: f.Tag.Get("envDefault")})
	}
}
