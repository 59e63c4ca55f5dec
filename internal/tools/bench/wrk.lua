-- POST /api/auth/forgot-password, used by the bench (figure 2). Every
-- request carries the same address, as the pgbench script it is compared
-- with does: the transaction inserts a new row either way (the request ID
-- is new each time and no index covers the address), and a fixed body lets
-- wrk build the request once instead of running Lua per request, so that
-- the load tool takes less of the two cores away from what it measures.
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"email":"wrk@example.com"}'

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p99_us=%d max_us=%d non2xx=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.status, e.connect, e.read, e.write, e.timeout))
end
