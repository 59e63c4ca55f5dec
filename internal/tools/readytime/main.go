// Command readytime measures how long a binary takes from exec until a URL
// answers 200, the figure docs/benchmarks.md records for /readyz. It starts
// the binary N times with this process's environment, polls the URL every
// millisecond, then stops the binary with SIGTERM and waits for it to exit
// before the next run, so runs never overlap.
//
//	(cd internal/tools && go build -o ../../bin/readytime ./readytime) && bin/readytime -n 20 -url http://127.0.0.1:18080/readyz -- bin/api
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 20, "how many runs")
	url := flag.String("url", "", "the URL that answers 200 once the binary is ready, e.g. http://127.0.0.1:18080/readyz")
	timeout := flag.Duration("timeout", 30*time.Second, "give up on one run after this long")
	flag.Parse()
	if *url == "" || flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: readytime -n RUNS -url URL -- BINARY [ARGS...]")
		os.Exit(2)
	}
	times := make([]time.Duration, 0, *n)
	for i := range *n {
		d, err := once(flag.Args(), *url, *timeout)
		if err != nil {
			fmt.Fprintf(os.Stderr, "run %d: %v\n", i+1, err)
			os.Exit(1)
		}
		times = append(times, d)
	}
	slices.Sort(times)
	fmt.Printf("%s: %d runs, exec to %s 200: min %s, median %s, max %s\n",
		flag.Arg(0), len(times), *url, round(times[0]), round(times[len(times)/2]), round(times[len(times)-1]))
}

// once runs the binary one time and returns the time from just before exec
// to the first 200 from url.
func once(argv []string, url string, timeout time.Duration) (time.Duration, error) {
	client := &http.Client{Timeout: time.Second}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdout, cmd.Stderr = nil, nil // The binary's logs would drown the result.
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, err
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if ready(ctx, client, url) {
			return time.Since(start), nil
		}
		select {
		case err := <-exited:
			exited <- err // Let the deferred wait return.
			return 0, fmt.Errorf("the binary exited before it was ready: %v", err)
		case <-ctx.Done():
			return 0, errors.New("not ready within " + timeout.String())
		case <-time.After(time.Millisecond):
		}
	}
}

func ready(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

func round(d time.Duration) time.Duration { return d.Round(100 * time.Microsecond) }
