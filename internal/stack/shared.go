package stack

import (
	"context"
	"os"
	"sync"
	"time"
)

// SharedBuild builds the binaries once for a whole test package, the first
// time a test asks, into one temporary directory that the package's TestMain
// removes with Remove. Its zero value is ready to use.
type SharedBuild struct {
	once sync.Once
	dir  string
	bins Binaries
	err  error
}

// Get returns the binaries and the directory they are in, building them on
// the first call within timeout; name labels the directory. extra, if not
// nil, then builds what else the package needs into the same directory. Later
// calls return the first call's result, error included.
func (s *SharedBuild) Get(name string, timeout time.Duration, extra func(ctx context.Context, dir string) error) (Binaries, string, error) {
	s.once.Do(func() {
		s.dir, s.err = os.MkdirTemp("", "resetmail-"+name+"-bin-")
		if s.err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		if s.bins, s.err = Build(ctx, s.dir); s.err != nil || extra == nil {
			return
		}
		s.err = extra(ctx, s.dir)
	})
	return s.bins, s.dir, s.err
}

// Remove deletes the directory Get built into, if it did.
func (s *SharedBuild) Remove() {
	if s.dir != "" {
		_ = os.RemoveAll(s.dir)
	}
}
