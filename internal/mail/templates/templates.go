package templates

import (
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	texttemplate "text/template"

	"golang.org/x/text/language"
)

// embeddedTemplates holds the shipped templates, one directory per
// language beside this file: <lang>/<kind>.{subject,txt,html}.tmpl.
// embed.FS is read-only, so this package-level value is not mutable state.
//
//go:embed */*.tmpl
var embeddedTemplates embed.FS

// The three parts of one kind of email, as file-name suffixes.
const (
	partSubject = ".subject.tmpl"
	partText    = ".txt.tmpl"
	partHTML    = ".html.tmpl"
)

// TemplateError lists every template problem found at start: each names
// the file, the line when there is one, and what is wrong.
type TemplateError struct {
	Problems []TemplateProblem
}

// TemplateProblem is one problem, and the variable to fix when it is a
// setting rather than a template file.
type TemplateProblem struct {
	// Var is DEFAULT_LOCALE or TEMPLATE_DIR when that setting is wrong as a
	// whole, and "" for a problem in or among the template files.
	Var string
	// Text says what is wrong, naming the file and line when there is one.
	Text string
}

func (e *TemplateError) Error() string {
	texts := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		texts[i] = p.Text
	}
	return "email templates: " + strings.Join(texts, "; ")
}

// fileProblems are problems in or among the template files.
func fileProblems(texts []string) []TemplateProblem {
	out := make([]TemplateProblem, len(texts))
	for i, t := range texts {
		out[i] = TemplateProblem{Text: t}
	}
	return out
}

// templateSet is every language's templates, after overrides.
type templateSet struct {
	// def is the default locale; it has every kind.
	def string
	// langs lists the languages with at least one kind, def first, then
	// sorted.
	langs []string
	// byLang holds each language's own templates by kind.
	byLang map[string]map[Kind]*emailTemplates
	// missing says, per language, which kinds fall back to def.
	missing []string
}

// own returns lang's own templates for kind, or nil.
func (s *templateSet) own(lang string, kind Kind) *emailTemplates {
	return s.byLang[lang][kind]
}

// lookup returns lang's templates for kind, falling back to the default
// locale for an unknown language or a kind the language lacks.
func (s *templateSet) lookup(lang string, kind Kind) *emailTemplates {
	if t := s.own(lang, kind); t != nil {
		return t
	}
	return s.byLang[s.def][kind]
}

// source is where one language's files come from: the embedded directory
// and, when TEMPLATE_DIR has one, that directory, whose files win.
type source struct {
	embedded string // directory in embeddedTemplates, or ""
	dir      string // directory on disk, or ""
}

// loadTemplates reads and parses every template. It reports every problem
// it finds, not only the first, so that an operator fixes them in one go.
func loadTemplates(dir, def string) (*templateSet, error) {
	terr := &TemplateError{}
	defTag, err := language.Parse(def)
	if err != nil {
		return nil, &TemplateError{Problems: []TemplateProblem{{Var: "DEFAULT_LOCALE", Text: fmt.Sprintf("DEFAULT_LOCALE %q is not a BCP 47 language tag", def)}}}
	}
	def = defTag.String()

	sources := map[string]*source{}
	entries, err := fs.ReadDir(embeddedTemplates, ".")
	if err != nil {
		return nil, fmt.Errorf("mail: embedded templates: %w", err)
	}
	for _, e := range entries {
		if e.IsDir() {
			sources[e.Name()] = &source{embedded: e.Name()}
		}
	}
	if dir != "" {
		terr.Problems = append(terr.Problems, overrideSources(dir, sources)...)
	}

	set := &templateSet{def: def, byLang: map[string]map[Kind]*emailTemplates{}}
	for lang, src := range sources {
		for _, kind := range Kinds() {
			t, problems := parseKind(lang, kind, src)
			terr.Problems = append(terr.Problems, fileProblems(problems)...)
			if t == nil {
				continue
			}
			if set.byLang[lang] == nil {
				set.byLang[lang] = map[Kind]*emailTemplates{}
			}
			set.byLang[lang][kind] = t
		}
	}
	for lang := range set.byLang {
		if lang != def {
			set.langs = append(set.langs, lang)
		}
	}
	slices.Sort(set.langs)
	set.langs = append([]string{def}, set.langs...)

	for _, lang := range set.langs {
		var lacks []string
		for _, kind := range Kinds() {
			if set.own(lang, kind) == nil {
				lacks = append(lacks, string(kind))
			}
		}
		switch {
		case len(lacks) == 0:
		case lang == def:
			terr.Problems = append(terr.Problems, TemplateProblem{Var: "DEFAULT_LOCALE", Text: fmt.Sprintf(
				"DEFAULT_LOCALE %s must have every kind of email, but has no templates for %s", def, strings.Join(lacks, ", "))})
		default:
			set.missing = append(set.missing, fmt.Sprintf("%s has no %s templates", lang, strings.Join(lacks, ", ")))
		}
	}
	if len(terr.Problems) > 0 {
		slices.SortFunc(terr.Problems, func(a, b TemplateProblem) int { return strings.Compare(a.Text, b.Text) })
		return nil, terr
	}
	return set, nil
}

// overrideSources adds TEMPLATE_DIR's language directories to sources. A
// file or directory it cannot place is a problem rather than something to
// skip, because a misspelt name would otherwise be ignored in silence.
func overrideSources(dir string, sources map[string]*source) []TemplateProblem {
	setting := func(format string, args ...any) []TemplateProblem {
		return []TemplateProblem{{Var: "TEMPLATE_DIR", Text: fmt.Sprintf(format, args...)}}
	}
	info, err := os.Stat(dir)
	if err != nil {
		return setting("TEMPLATE_DIR: %v", err)
	}
	if !info.IsDir() {
		return setting("TEMPLATE_DIR %s is not a directory", dir)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return setting("TEMPLATE_DIR: %v", err)
	}
	var problems []string
	for _, e := range entries {
		full := filepath.Join(dir, e.Name())
		if !e.IsDir() {
			if strings.HasSuffix(e.Name(), ".tmpl") {
				problems = append(problems, fmt.Sprintf(
					"%s: templates live in one directory per language, e.g. %s", full, filepath.Join(dir, "en", e.Name())))
			}
			continue
		}
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		tag, err := language.Parse(e.Name())
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: directory name is not a BCP 47 language tag such as de or pt-BR", full))
			continue
		}
		lang := tag.String()
		if sources[lang] == nil {
			sources[lang] = &source{}
		}
		if sources[lang].dir != "" {
			problems = append(problems, fmt.Sprintf("%s: a second directory for language %s (also %s)", full, lang, sources[lang].dir))
			continue
		}
		sources[lang].dir = full
		problems = append(problems, unknownFiles(full)...)
	}
	return fileProblems(problems)
}

// unknownFiles names the .tmpl files in a language directory that are not
// a part of any kind, such as a misspelt "rest.subject.tmpl".
func unknownFiles(dir string) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", dir, err)}
	}
	var problems []string
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".tmpl") {
			continue
		}
		known := false
		for _, kind := range Kinds() {
			for _, part := range []string{partSubject, partText, partHTML} {
				known = known || name == string(kind)+part
			}
		}
		if !known {
			var names []string
			for _, kind := range Kinds() {
				names = append(names, string(kind))
			}
			problems = append(problems, fmt.Sprintf("%s: unknown template; names are <kind>.subject.tmpl, <kind>.txt.tmpl and <kind>.html.tmpl with kind one of %s",
				filepath.Join(dir, name), strings.Join(names, ", ")))
		}
	}
	return problems
}

// parseKind parses the three parts of kind in lang, each from TEMPLATE_DIR
// when it has the file and from the embedded templates otherwise. It
// returns nil without a problem when the language has none of the parts,
// and a problem when it has some but not all.
func parseKind(lang string, kind Kind, src *source) (*emailTemplates, []string) {
	type file struct {
		name string // shown in errors: the path on disk, or "embedded:…"
		text string
	}
	read := func(part string) (file, bool, error) {
		base := string(kind) + part
		if src.dir != "" {
			full := filepath.Join(src.dir, base)
			b, err := os.ReadFile(full)
			if err == nil {
				return file{full, string(b)}, true, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return file{}, false, fmt.Errorf("%s: %w", full, err)
			}
		}
		if src.embedded != "" {
			name := path.Join(src.embedded, base)
			b, err := fs.ReadFile(embeddedTemplates, name)
			if err == nil {
				return file{"embedded:" + name, string(b)}, true, nil
			}
		}
		return file{}, false, nil
	}

	var files [3]file
	var problems, absent []string
	found := 0
	for i, part := range []string{partSubject, partText, partHTML} {
		f, ok, err := read(part)
		switch {
		case err != nil:
			problems = append(problems, err.Error())
		case ok:
			files[i] = f
			found++
		default:
			absent = append(absent, string(kind)+part)
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	if found == 0 {
		return nil, nil
	}
	if len(absent) > 0 {
		where := src.dir
		if where == "" {
			where = "embedded:" + lang
		}
		return nil, []string{fmt.Sprintf("%s: %s needs %s too (a kind has a subject, a txt and an html template)",
			where, kind, strings.Join(absent, " and "))}
	}

	t := &emailTemplates{lang: lang, format: formatterFor(lang)}
	var err error
	if t.subject, err = texttemplate.New(files[0].name).Option("missingkey=error").Parse(files[0].text); err != nil {
		problems = append(problems, err.Error())
	}
	if t.text, err = texttemplate.New(files[1].name).Option("missingkey=error").Parse(files[1].text); err != nil {
		problems = append(problems, err.Error())
	}
	// html/template escapes every value for its context (element,
	// attribute, URL).
	if t.html, err = htmltemplate.New(files[2].name).Option("missingkey=error").Parse(files[2].text); err != nil {
		problems = append(problems, err.Error())
	}
	if len(problems) > 0 {
		for i, p := range problems {
			problems[i] = strings.TrimPrefix(p, "template: ")
		}
		return nil, problems
	}
	return t, nil
}
