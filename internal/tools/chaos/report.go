package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"strings"
	"time"
)

// RunMeta says when, on what and how the figures were measured.
type RunMeta struct {
	Date    string
	Commit  string
	Command string
}

// newRunMeta stamps a run with today's date, the short commit hash (marked
// "+dirty" when the tree has uncommitted changes, since then the hash alone
// does not say what ran) and the command line.
func newRunMeta(args []string) RunMeta {
	commit := "unknown"
	if out, err := exec.Command("git", "rev-parse", "--short", "HEAD").Output(); err == nil {
		commit = strings.TrimSpace(string(out))
		if st, err := exec.Command("git", "status", "--porcelain", "--untracked-files=no").Output(); err == nil && len(strings.TrimSpace(string(st))) > 0 {
			commit += "+dirty"
		}
	}
	// make chaos says so through CHAOS_COMMAND, so that the docs show the
	// command a reader would type.
	command := os.Getenv("CHAOS_COMMAND")
	if command == "" {
		command = "bin/chaos"
	}
	return RunMeta{
		Date:    time.Now().UTC().Format("2006-01-02 15:04 UTC"),
		Commit:  commit,
		Command: strings.TrimSpace(command + " " + strings.Join(args, " ")),
	}
}

// markers delimit the part of a drill's section that the program owns.
func markers(name string) (begin, end string) {
	return "<!-- chaos:" + name + ":begin -->", "<!-- chaos:" + name + ":end -->"
}

// updateDoc replaces each drill's figures in the document at path, between
// its markers, and leaves every other line (the prose) alone. A drill whose
// markers are missing gets a new section at the end.
func updateDoc(path string, sections map[string]string, titles map[string]string, order []string) error {
	raw, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	doc := string(raw)
	if doc == "" {
		doc = "# Reliability\n"
	}
	for _, name := range order {
		body, ok := sections[name]
		if !ok {
			continue
		}
		begin, end := markers(name)
		i := strings.Index(doc, begin)
		j := strings.Index(doc, end)
		if i < 0 || j < i {
			doc = strings.TrimRight(doc, "\n") + fmt.Sprintf("\n\n## %s\n\n%s\n%s%s\n", titles[name], begin, body, end)
			continue
		}
		doc = doc[:i+len(begin)] + "\n" + body + doc[j:]
	}
	return os.WriteFile(path, []byte(doc), 0o644)
}
