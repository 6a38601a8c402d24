-- wrk script for bench/run.py: rotates session cookies (BENCH_COOKIES, comma-separated) over
-- requests, optionally asks for a new connection per request (BENCH_CONN_CLOSE=1), and prints one machine-readable line with throughput and latency percentiles.
local cookies = {}
for c in string.gmatch(os.getenv("BENCH_COOKIES") or "", "[^,]+") do
  table.insert(cookies, c)
end
local n = 0
local close = os.getenv("BENCH_CONN_CLOSE") == "1"

request = function()
  local headers = {}
  if close then
    headers["Connection"] = "close"
  end
  if #cookies > 0 then
    n = n + 1
    headers["Cookie"] = "sessionid=" .. cookies[(n % #cookies) + 1]
  end
  return wrk.format("GET", wrk.path, headers)
end

done = function(summary, latency, requests)
  local s = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.2f,"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d}\n',
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout))
end
