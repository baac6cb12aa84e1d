-- Shared by the wrk scripts: the bearer token or session cookie, a per-thread random seed, and a
-- done() that prints one machine-readable line (BENCH_JSON {...}) for bench.py.
local M = {}

function M.headers(extra)
  local h = { ["Accept"] = "application/json" }
  local token = os.getenv("BENCH_TOKEN")
  if token and token ~= "" then h["Authorization"] = "Bearer " .. token end
  -- A page: the session rides in its cookie, as in a browser.
  local cookie = os.getenv("BENCH_COOKIE")
  if cookie and cookie ~= "" then
    h["Cookie"] = "baton_session=" .. cookie
    h["Accept"] = "text/html"
  end
  for k, v in pairs(extra or {}) do h[k] = v end
  return h
end

function M.seed()
  -- Each thread has its own Lua state; mix in the address of a fresh table.
  local salt = tonumber(tostring({}):match("0x(%x+)"), 16) or 0
  math.randomseed(os.time() + salt % 1000003)
end

function M.done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "duration_us": %d, "bytes": %d, "errors_connect": %d, "errors_read": %d, ' ..
    '"errors_write": %d, "errors_status": %d, "errors_timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end

return M
