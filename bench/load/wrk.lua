-- wrk script: rotate over the paths in $WRK_PATHS (one per line) and, when $WRK_COOKIES names a
-- file, over its Cookie headers (one signed-in user per line). Anything but a 200 is counted as a
-- failure. done() prints one JSON line with throughput and latency percentiles (wrk's own
-- summary has no p95).
local paths, cookies, counter, bad = {}, {}, 0, 0
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  for line in io.lines(os.getenv("WRK_PATHS")) do
    if line ~= "" then table.insert(paths, line) end
  end
  local cookie_file = os.getenv("WRK_COOKIES")
  if cookie_file and cookie_file ~= "" then
    for line in io.lines(cookie_file) do
      if line ~= "" then table.insert(cookies, line) end
    end
  end
  -- Threads start at different places in the lists.
  counter = math.random(0, 1000)
end

function request()
  counter = counter + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(counter % #cookies) + 1] end
  return wrk.format("GET", paths[(counter % #paths) + 1], headers)
end

function response(status, headers, body)
  if status ~= 200 then bad = bad + 1 end
end

function done(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do failed = failed + (thread:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format(
    'WRK_JSON {"requests": %d, "duration_s": %.3f, "rps": %.1f, "not_200": %d, ' ..
    '"socket_errors": %d, "timeouts": %d, "p50_ms": %.1f, "p90_ms": %.1f, "p95_ms": %.1f, ' ..
    '"p99_ms": %.1f, "max_ms": %.1f, "mean_ms": %.1f}\n',
    summary.requests, summary.duration / 1e6, summary.requests / (summary.duration / 1e6),
    failed, e.connect + e.read + e.write, e.timeout,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, latency.mean / 1000))
end
