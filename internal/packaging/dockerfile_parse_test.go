package packaging

import (
	"strings"
	"testing"
)

// instruction is one Dockerfile instruction with its continuation lines
// joined, e.g. {Cmd: "RUN", Args: "--mount=… go mod download"}.
type instruction struct {
	Cmd  string
	Args string
}

// stage is one FROM and the instructions after it.
type stage struct {
	From  string
	Steps []instruction
}

// find returns the stage's instructions of one kind.
func (s stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range s.Steps {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// parseDockerfile understands just enough of the format for these tests:
// comments, blank lines, backslash continuations and one instruction per
// logical line. A full parser would be a large dependency for no gain here.
func parseDockerfile(t *testing.T, text string) []stage {
	t.Helper()
	var stages []stage
	var logical strings.Builder
	flush := func() {
		line := strings.TrimSpace(logical.String())
		logical.Reset()
		if line == "" {
			return
		}
		cmd, args, _ := strings.Cut(line, " ")
		in := instruction{Cmd: strings.ToUpper(cmd), Args: strings.Join(strings.Fields(args), " ")}
		if in.Cmd == "FROM" {
			stages = append(stages, stage{From: in.Args})
			return
		}
		if len(stages) == 0 {
			t.Fatalf("Dockerfile: %s before the first FROM", in.Cmd)
		}
		stages[len(stages)-1].Steps = append(stages[len(stages)-1].Steps, in)
	}
	for _, raw := range strings.Split(text, "\n") {
		trimmed := strings.TrimSpace(raw)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if cont, ok := strings.CutSuffix(trimmed, `\`); ok {
			logical.WriteString(cont + " ")
			continue
		}
		logical.WriteString(trimmed)
		flush()
	}
	flush()
	return stages
}

// imageOf returns the image reference of a FROM line, without --platform.
func imageOf(from string) string {
	for _, f := range strings.Fields(from) {
		if !strings.HasPrefix(f, "--") {
			return f
		}
	}
	return ""
}

// registryHost returns the registry host an image reference names, or "".
// Docker treats the first path element as a host when it holds a dot or a
// colon, or is "localhost"; the house rule is that no reference names one.
func registryHost(ref string) string {
	first, _, found := strings.Cut(ref, "/")
	if !found {
		return ""
	}
	if strings.ContainsAny(first, ".:") || first == "localhost" {
		return first
	}
	return ""
}
