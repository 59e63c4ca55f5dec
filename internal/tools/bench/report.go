package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// section is one figure's part of docs/benchmarks.md, kept between
// <!-- bench:NAME:start --> and <!-- bench:NAME:end --> so that a run
// replaces its own figures and leaves the rest of the document alone.
type section struct {
	marker string
	title  string
	body   string
}

func (s section) start() string { return "<!-- bench:" + s.marker + ":start -->" }
func (s section) end() string   { return "<!-- bench:" + s.marker + ":end -->" }

func (s section) markdown() string {
	return s.start() + "\n" + strings.TrimSpace(s.body) + "\n" + s.end()
}

// reportHeader starts docs/benchmarks.md when it does not exist yet.
const reportHeader = `# Benchmarks

Figures written by ` + "`make bench`" + ` (internal/tools/bench). Each section says when, on which
commit and with which command it was measured. Text outside the bench markers is kept as is.
`

// updateReport replaces each section between its markers in path, appending
// the sections whose markers are missing.
func updateReport(path string, sections []section) error {
	raw, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		raw = []byte(reportHeader)
	} else if err != nil {
		return err
	}
	doc := string(raw)
	for _, s := range sections {
		i := strings.Index(doc, s.start())
		j := strings.Index(doc, s.end())
		if i >= 0 && j > i {
			doc = doc[:i] + s.markdown() + doc[j+len(s.end()):]
			continue
		}
		doc = strings.TrimRight(doc, "\n") + "\n\n## " + s.title + "\n\n" + s.markdown() + "\n"
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}

// meta is what every section says about its run.
type meta struct {
	date    string
	commit  string
	command string
	machine string
}

func runMeta(args []string) (meta, error) {
	commit, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output()
	if err != nil {
		return meta{}, fmt.Errorf("git rev-parse: %w", err)
	}
	c := strings.TrimSpace(string(commit))
	if exec.Command("git", "diff", "--quiet", "HEAD", "--", ".").Run() != nil {
		c += " (with uncommitted changes)"
	}
	// The Makefile names itself; a direct run is shown as the go command
	// that repeats it.
	cmd := os.Getenv("BENCH_COMMAND")
	if cmd == "" {
		quoted := make([]string, 0, len(args)-1)
		for _, a := range args[1:] {
			quoted = append(quoted, shellQuote(a))
		}
		cmd = strings.TrimSpace("bin/bench " + strings.Join(quoted, " "))
	}
	return meta{
		date:    time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		commit:  c,
		command: cmd,
		machine: fmt.Sprintf("%d cores, %s", cores(), runtime.Version()),
	}, nil
}

// stamp heads a section. The load average is read as the figure starts: on
// a shared machine it says how much the figure had to share.
func (m meta) stamp() string {
	load, _ := os.ReadFile("/proc/loadavg")
	l := strings.Fields(string(load))
	loadStr := "?"
	if len(l) >= 3 {
		loadStr = strings.Join(l[:3], " ")
	}
	return fmt.Sprintf("Measured %s on commit `%s` with `%s` (%s, load average %s as the figure started).\n",
		m.date, m.commit, m.command, m.machine, loadStr)
}

// shellQuote writes a as a shell would need it to repeat the command: as it
// is when it is a plain word, else in single quotes, so that an empty -out
// or a -worker-env with several variables reads as one argument.
func shellQuote(a string) string {
	if a != "" && !strings.ContainsAny(a, " \t\n'\"\\$`*?;&|<>()[]{}#~") {
		return a
	}
	return "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
}
