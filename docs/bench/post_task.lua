-- wrk script for POST /api/tasks: every request creates one task for the
-- user whose access token is in the TOKEN environment variable. wrk's own
-- summary prints "Non-2xx or 3xx responses" when any request failed.
--   TOKEN=... wrk -t2 -c100 -d30s --latency -s docs/bench/post_task.lua http://127.0.0.1:8080/api/tasks
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("TOKEN")
wrk.body = '{"title":"Benchmark task","description":"Created by wrk to measure POST /api/tasks."}'
