package main

import (
	"bufio"
	"cmp"
	"context"
	_ "embed"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/todoapp/resetmail/internal/apiapp"
	"github.com/todoapp/resetmail/internal/postgres"
)

//go:embed wrk.lua
var wrkScript string

// toolPath finds a load tool on PATH or in Debian's versioned Postgres
// directory, where pgbench lives when only postgresql-15 is installed.
func toolPath(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/" + name)
	if len(matches) > 0 {
		return matches[len(matches)-1], nil
	}
	return "", fmt.Errorf("%s not found; `make bench` installs it (.ci/bench-tools)", name)
}

// toolWithScript finds the load tool name and writes the script it is to
// run into dir as file, returning the tool's and the script's paths.
func toolWithScript(name, dir, file, script string) (bin, path string, err error) {
	if bin, err = toolPath(name); err != nil {
		return "", "", err
	}
	path = filepath.Join(dir, file)
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return "", "", err
	}
	return bin, path, nil
}

// loadResult is one closed-loop run of wrk or pgbench.
type loadResult struct {
	Clients  int
	Requests int
	Duration time.Duration
	P50, P99 time.Duration
	Max      time.Duration
	// Errors counts non-2xx answers and socket errors (wrk) or failed
	// transactions (pgbench).
	Errors int
	// Command is the command line, for the report, with the database URL
	// and temporary paths shortened.
	Command string
}

// PerSecond is completed requests per second.
func (r loadResult) PerSecond() float64 { return float64(r.Requests) / r.Duration.Seconds() }

// runWrk drives url with wrk, `conns` connections on two threads (one per
// core), for dur.
func runWrk(ctx context.Context, dir, url string, conns int, dur time.Duration) (loadResult, error) {
	bin, script, err := toolWithScript("wrk", dir, "forgot-password.lua", wrkScript)
	if err != nil {
		return loadResult{}, err
	}
	secs := strconv.Itoa(int(dur.Seconds()))
	cmd := exec.CommandContext(ctx, bin, "-t2", "-c"+strconv.Itoa(conns), "-d"+secs+"s", "--timeout", "10s", "-s", script, url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk: %w\n%s", err, out)
	}
	m := regexp.MustCompile(`BENCH (.*)`).FindSubmatch(out)
	if m == nil {
		return loadResult{}, fmt.Errorf("wrk printed no summary:\n%s", out)
	}
	kv := map[string]int64{}
	for _, f := range strings.Fields(string(m[1])) {
		k, v, _ := strings.Cut(f, "=")
		n, _ := strconv.ParseInt(v, 10, 64)
		kv[k] = n
	}
	us := func(k string) time.Duration { return time.Duration(kv[k]) * time.Microsecond }
	return loadResult{
		Command: displayCommand("wrk", cmd.Args[1:], dir, url),
		Clients: conns, Requests: int(kv["requests"]), Duration: us("duration_us"),
		P50: us("p50_us"), P99: us("p99_us"), Max: us("max_us"),
		Errors: int(kv["non2xx"] + kv["connect"] + kv["read"] + kv["write"] + kv["timeout"]),
	}, nil
}

// pgbenchScript turns the captured forgot-password transaction into a
// pgbench script: BEGIN, the two statements exactly as the API sent them
// (our insert and River's, both as traced), COMMIT. Parameters become pgbench variables
// holding the captured values, rendered as text by Postgres itself, with
// one exception: the request ID, a fresh UUID per transaction in the API,
// becomes gen_random_uuid(), because pgbench variables can only be numbers
// or fixed strings and the primary key must not repeat.
func pgbenchScript(ctx context.Context, pool *pgxpool.Pool, tx *forgotPasswordTx) (script string, vars []string, err error) {
	insertSQL, jobSQL := normalizeSQL(tx.Insert.SQL), normalizeSQL(tx.Job.SQL)
	insertVars := map[int]string{1: "gen_random_uuid()", 2: ":email", 3: ":ttl_secs"}
	email, _ := tx.Insert.Args[1].(string)
	ttl := fmt.Sprint(tx.Insert.Args[2])
	vars = append(vars, "email="+email, "ttl_secs="+ttl)

	// River's parameters are arrays; ask Postgres for the text form of each
	// value with the type River casts it to.
	casts := regexp.MustCompile(`\$(\d+)::([a-z]+\[\])`).FindAllStringSubmatch(jobSQL, -1)
	jobVars := map[int]string{}
	for _, c := range casts {
		i, _ := strconv.Atoi(c[1])
		if i < 1 || i > len(tx.Job.Args) {
			return "", nil, fmt.Errorf("river insert has parameter $%d but %d arguments were sent", i, len(tx.Job.Args))
		}
		var text string
		if err := pool.QueryRow(ctx, "SELECT $1::"+c[2]+"::text", tx.Job.Args[i-1]).Scan(&text); err != nil {
			return "", nil, fmt.Errorf("render river argument $%d as %s: %w", i, c[2], err)
		}
		name := "river_" + c[1]
		jobVars[i] = ":" + name
		vars = append(vars, name+"="+text)
	}
	if len(jobVars) != len(tx.Job.Args) {
		return "", nil, fmt.Errorf("found casts for %d of River's %d parameters", len(jobVars), len(tx.Job.Args))
	}
	var b strings.Builder
	b.WriteString("-- Generated by the bench from sql/queries/reset.sql (ResetInsertRequest)\n")
	b.WriteString("-- and River's JobInsertFastMany as traced: the forgot-password transaction.\n")
	b.WriteString("BEGIN;\n")
	b.WriteString(substituteParams(insertSQL, insertVars) + ";\n")
	b.WriteString(substituteParams(jobSQL, jobVars) + ";\n")
	b.WriteString("COMMIT;\n")
	return b.String(), vars, nil
}

// substituteParams replaces $n placeholders, highest number first so that
// $1 never eats the start of $10.
func substituteParams(sql string, with map[int]string) string {
	for i := 99; i >= 1; i-- {
		if v, ok := with[i]; ok {
			sql = strings.ReplaceAll(sql, "$"+strconv.Itoa(i), v)
		}
	}
	return sql
}

// runPgbench runs script with `clients` connections for dur, in prepared
// mode as pgx uses by default, logging every transaction so that p50 and p99
// come from the same raw latencies as the other figures.
func runPgbench(ctx context.Context, dir, dbURL, script string, vars []string, clients int, dur time.Duration) (loadResult, error) {
	bin, path, err := toolWithScript("pgbench", dir, "forgot-password.pgbench.sql", script)
	if err != nil {
		return loadResult{}, err
	}
	logPrefix := filepath.Join(dir, "pgbench_log")
	args := []string{"-n", "-M", "prepared", "-c", strconv.Itoa(clients), "-j", "2",
		"-T", strconv.Itoa(int(dur.Seconds())), "-f", path, "-l", "--log-prefix", logPrefix}
	for _, v := range vars {
		args = append(args, "-D", v)
	}
	args = append(args, dbURL)
	out, err := exec.CommandContext(ctx, bin, args...).CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("pgbench: %w\n%s", err, out)
	}
	res := loadResult{Clients: clients, Duration: dur, Command: displayCommand("pgbench", args, dir, dbURL)}
	if m := regexp.MustCompile(`number of failed transactions: (\d+)`).FindSubmatch(out); m != nil {
		res.Errors, _ = strconv.Atoi(string(m[1]))
	}
	var lat []time.Duration
	var first, last int64
	logs, _ := filepath.Glob(logPrefix + ".*")
	for _, l := range logs {
		f, err := os.Open(l)
		if err != nil {
			return loadResult{}, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			// client_id transaction_no time script_no time_epoch time_us
			fs := strings.Fields(sc.Text())
			if len(fs) < 6 {
				continue
			}
			us, _ := strconv.ParseInt(fs[2], 10, 64)
			epoch, _ := strconv.ParseInt(fs[4], 10, 64)
			frac, _ := strconv.ParseInt(fs[5], 10, 64)
			at := epoch*1_000_000 + frac
			if first == 0 || at < first {
				first = at
			}
			if at > last {
				last = at
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		_ = f.Close()
		_ = os.Remove(l)
		if err := sc.Err(); err != nil {
			return loadResult{}, err
		}
	}
	if len(lat) == 0 {
		return loadResult{}, fmt.Errorf("pgbench logged no transactions:\n%s", out)
	}
	d := summarize(lat)
	res.Requests, res.P50, res.P99, res.Max = len(lat), d.P50, d.P99, d.Max
	// The rate counts the span between the first and last commit, which
	// leaves out connection set-up, as pgbench's own "tps" does.
	if span := time.Duration(last-first) * time.Microsecond; span > 0 {
		res.Duration = span
	}
	return res, nil
}

// displayCommand renders a command line for the report: arguments that need
// it are single-quoted, the temporary directory is dropped and the database
// URL (which names a throwaway database) becomes $DATABASE_URL.
func displayCommand(name string, args []string, dir, dbURL string) string {
	parts := []string{name}
	for _, a := range args {
		a = strings.ReplaceAll(a, dir+"/", "")
		if strings.HasPrefix(a, "postgres://") {
			a = "$DATABASE_URL"
		} else if strings.ContainsAny(a, " {}\"'*$;()") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	return strings.Join(parts, " ")
}

// serviceLoop calls the API's own reset.Service.RequestReset from `clients`
// goroutines for dur, in this process, without HTTP: the same transaction
// through the same pgx and River code as the API, so that figure 2 can say
// how much of the gap between pgbench and the API is the database client
// and how much is HTTP. The services are the API's own assembly
// (apiapp.New).
func serviceLoop(ctx context.Context, s *scenario, clients int, dur time.Duration) (loadResult, error) {
	pool, err := postgres.Open(ctx, s.db.URL, postgres.PoolConfig{MaxConns: int32(clients)})
	if err != nil {
		return loadResult{}, err
	}
	defer pool.Close()
	app, err := apiapp.New(ctx, s.h.apiDefaults, pool, slog.New(slog.DiscardHandler))
	if err != nil {
		return loadResult{}, err
	}
	svc := app.Resets
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	start := time.Now()
	deadline := start.Add(dur)
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t0 := time.Now()
				if _, err := svc.RequestReset(ctx, "wrk@example.com"); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return loadResult{}, firstErr
	}
	d := summarize(lat)
	return loadResult{Clients: clients, Requests: len(lat), Duration: time.Since(start), P50: d.P50, P99: d.P99, Max: d.Max}, nil
}
