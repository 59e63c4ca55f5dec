// Command worker delivers the app's emails from River's queue. Run
// `worker help` for its subcommands.
package main

import (
	"os"
	"runtime/debug"

	"github.com/todoapp/resetmail/internal/boot"
)

// defaultGCPercent is the worker's garbage-collector target when GOGC is
// unset: the heap may grow to three times the live data between two
// collections instead of Go's two. A mail allocates about 50 KB, most of it
// the rendered parts and the composed message, and keeps none of it, while
// the live heap is only a few megabytes, so at Go's default the collector
// ran dozens of times a second. At 200 it runs half as often, which cut the
// worker's CPU per mail by about a tenth for about 9 MB more peak memory
// (docs/benchmarks.md, figure 1). GOGC, Go's own variable, still wins.
const defaultGCPercent = 200

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	boot.Main(run)
}
