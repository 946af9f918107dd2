-- wrk script for rest_info_vs_nginx.sh. Both servers get the same request, credentials included,
-- so the request bytes match: mt5bridge needs them, nginx ignores them. The values come from the
-- environment so that no secret lands on a command line or in a file.
wrk.headers["X-API-Key"] = os.getenv("MT5_SERVICE_API_KEY")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("BENCH_USER_JWT")

-- One machine-readable line after wrk's own report; latencies are in microseconds. non2xx counts
-- every response outside 200-399 (wrk's "status" errors).
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "BENCH requests=%d duration_us=%d p50_us=%d p90_us=%d p99_us=%d max_us=%d " ..
    "socket_errors=%d timeouts=%d non2xx=%d\n",
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect + e.read + e.write, e.timeout, e.status))
end
