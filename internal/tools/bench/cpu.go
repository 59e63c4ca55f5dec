package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// clockTicks is USER_HZ, the unit of /proc CPU times. It is 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// cpuGroups name the processes a drain's CPU time is split between.
const (
	groupWorker   = "worker processes"
	groupAPI      = "api process"
	groupPostgres = "postgres (this run's backends)"
	groupPgBack   = "postgres (background: WAL writer, checkpointer, autovacuum)"
	groupHarness  = "load generators and SMTP sink (harness, wrk, pgbench)"
	groupOther    = "other processes on the machine"
	groupIdle     = "idle"
)

// cpuSplit is how many cores each group used on average over a window.
type cpuSplit struct {
	Window time.Duration
	Cores  map[string]float64
	// Total is the machine's core count.
	Total int
}

// String is a one-line summary, busiest group first.
func (c cpuSplit) String() string {
	type kv struct {
		k string
		v float64
	}
	var all []kv
	for k, v := range c.Cores {
		all = append(all, kv{k, v})
	}
	sort.Slice(all, func(i, j int) bool { return all[i].v > all[j].v })
	var parts []string
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%s %.2f", e.k, e.v))
	}
	return strings.Join(parts, ", ")
}

// cpuMeter samples /proc over a window. Processes are recognised by
// executable (the harness's own api and worker binaries), by name (postgres,
// wrk, pgbench) or as the harness itself; the rest of the machine's busy
// time is "other", which on a shared machine is other people's work. It
// samples every 200 ms, not only at both ends, so that processes that exit
// inside the window (pgbench and its connections, wrk) still count.
type cpuMeter struct {
	h      *harness
	dbName string
	start  time.Time
	busy0  uint64
	idle0  uint64
	stopc  chan struct{}
	done   chan struct{}

	// first and last hold each process's CPU time when first and last seen;
	// groups its group. Only the sampling goroutine touches them until done.
	first  map[int]uint64
	last   map[int]uint64
	groups map[int]string
}

// startCPU starts a window. dbName is the scenario's database: only
// backends connected to it count as this run's Postgres work, since other
// people's tests may use the same server.
func (h *harness) startCPU(dbName string) *cpuMeter {
	m := &cpuMeter{
		h: h, dbName: dbName, start: time.Now(),
		stopc: make(chan struct{}), done: make(chan struct{}),
		first: map[int]uint64{}, last: map[int]uint64{}, groups: map[int]string{},
	}
	m.busy0, m.idle0 = machineTicks()
	m.sample(true)
	go func() {
		defer close(m.done)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				m.sample(false)
			case <-m.stopc:
				m.sample(false)
				return
			}
		}
	}()
	return m
}

// sample reads every process; at the start of the window its CPU time so
// far is the baseline, later a new process starts from zero.
func (m *cpuMeter) sample(initial bool) {
	for pid, group := range m.h.scanProcs(m.dbName, m.groups) {
		t, ok := readProcTicks(pid)
		if !ok {
			continue
		}
		m.groups[pid] = group
		if _, seen := m.first[pid]; !seen {
			if initial {
				m.first[pid] = t
			} else {
				m.first[pid] = 0
			}
		}
		m.last[pid] = t
	}
}

func (m *cpuMeter) stop() cpuSplit {
	close(m.stopc)
	<-m.done
	busy1, idle1 := machineTicks()
	window := time.Since(m.start)
	secs := window.Seconds()
	split := cpuSplit{Window: window, Cores: map[string]float64{}, Total: cores()}
	var grouped uint64
	for pid, t1 := range m.last {
		t0 := m.first[pid]
		if t1 < t0 {
			continue // the pid was reused
		}
		d := t1 - t0
		grouped += d
		split.Cores[m.groups[pid]] += float64(d) / clockTicks / secs
	}
	if busy := busy1 - m.busy0; busy > grouped {
		split.Cores[groupOther] = float64(busy-grouped) / clockTicks / secs
	}
	split.Cores[groupIdle] = float64(idle1-m.idle0) / clockTicks / secs
	return split
}

// scanProcs finds the processes the meter groups, by pid. known caches the
// groups found before, so that a sample reads only /proc/PID/stat for them.
func (h *harness) scanProcs(dbName string, known map[int]string) map[int]string {
	out := map[int]string{}
	self := os.Getpid()
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if g, ok := known[pid]; ok {
			out[pid] = g
			continue
		}
		if g := h.groupOf(pid, self, dbName); g != "" {
			out[pid] = g
		}
	}
	return out
}

// groupOf classifies one process, or returns "" for one the meter ignores.
func (h *harness) groupOf(pid, self int, dbName string) string {
	if pid == self {
		return groupHarness
	}
	dir := filepath.Join("/proc", strconv.Itoa(pid))
	exe, _ := os.Readlink(filepath.Join(dir, "exe"))
	comm, _ := os.ReadFile(filepath.Join(dir, "comm"))
	switch name := strings.TrimSpace(string(comm)); {
	case h != nil && exe == h.bins.Worker:
		return groupWorker
	case h != nil && exe == h.bins.API:
		return groupAPI
	case name == "postgres":
		return postgresGroup(pid, dbName)
	case name == "wrk" || name == "pgbench":
		return groupHarness
	}
	return ""
}

// readProcTicks is utime+stime of pid from /proc/pid/stat.
func readProcTicks(pid int) (uint64, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, false
	}
	// The command name is in parentheses and may hold spaces; fields count
	// from after the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	// After ')': state(3) ppid(4) … utime(14) stime(15), so index 11 and 12.
	if len(f) < 13 {
		return 0, false
	}
	u, err1 := strconv.ParseUint(f[11], 10, 64)
	s, err2 := strconv.ParseUint(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, false
	}
	return u + s, true
}

// machineTicks returns the machine's busy and idle time from /proc/stat.
func machineTicks() (busy, idle uint64) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0, 0
	}
	for i, s := range f[1:9] {
		v, _ := strconv.ParseUint(s, 10, 64)
		switch i {
		case 3, 4: // idle, iowait
			idle += v
		default:
			busy += v
		}
	}
	return busy, idle
}

func cores() int {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	n := 0
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "cpu") && len(line) > 3 && line[3] >= '0' && line[3] <= '9' {
			n++
		}
	}
	return n
}

// postgresGroup tells this run's backends from Postgres's own background
// processes by their titles ("postgres: 15/main: user db host(port) state"
// for a backend, "postgres: 15/main: walwriter" for the others), and
// returns "" for other databases' backends.
func postgresGroup(pid int, dbName string) string {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return ""
	}
	title := strings.TrimRight(string(b), "\x00")
	_, rest, ok := strings.Cut(title, ": ")
	if !ok {
		return groupPgBack // the postmaster itself
	}
	_, rest, _ = strings.Cut(rest, ": ")
	f := strings.Fields(rest)
	if len(f) >= 3 && strings.Contains(f[2], "(") {
		if dbName != "" && f[1] == dbName {
			return groupPostgres
		}
		return ""
	}
	return groupPgBack
}
