-- wrk script for bench/run.py: form POSTs (the quick log, the bare insert), rotating over the
-- variants in BENCH_POST_FILE (one per line: the Cookie header, a TAB, the form-encoded body);
-- optionally a new connection per request (BENCH_CONN_CLOSE=1). Counts the answers: a 302 is a
-- saved record, anything else is reported (bench/run.py fails the run on it). Prints one
-- machine-readable line with throughput and latency percentiles, like wrk_report.lua.
local variants = {}
local file = assert(io.open(os.getenv("BENCH_POST_FILE"), "r"))
for line in file:lines() do
  local cookie, body = line:match("^([^\t]*)\t(.*)$")
  if body then
    table.insert(variants, {cookie = cookie, body = body})
  end
end
file:close()
local close = os.getenv("BENCH_CONN_CLOSE") == "1"
local threads = {}

setup = function(thread)
  thread:set("offset", #threads * 7)
  table.insert(threads, thread)
end

init = function(args)
  n = offset or 0
  redirects = 0
  others = 0
end

request = function()
  n = n + 1
  local v = variants[(n % #variants) + 1]
  local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
  if v.cookie ~= "" then
    headers["Cookie"] = v.cookie
  end
  if close then
    headers["Connection"] = "close"
  end
  return wrk.format("POST", wrk.path, headers, v.body)
end

response = function(status, headers, body)
  if status == 302 then
    redirects = redirects + 1
  else
    others = others + 1
  end
end

done = function(summary, latency, requests)
  local r, o = 0, 0
  for _, t in ipairs(threads) do
    r = r + t:get("redirects")
    o = o + t:get("others")
  end
  local s = summary.duration / 1e6
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_s":%.3f,"rps":%.2f,"p50_ms":%.3f,"p95_ms":%.3f,"p99_ms":%.3f,' ..
    '"errors_connect":%d,"errors_read":%d,"errors_write":%d,"errors_status":%d,"errors_timeout":%d,' ..
    '"redirects":%d,"other_status":%d}\n',
    summary.requests, s, summary.requests / s,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.status,
    summary.errors.timeout, r, o))
end
