-- One client (X-Forwarded-For 10.3.0.1, through the trusted proxy 127.0.0.1), and every answer counted by
-- status, for the exactness of a limit shared by several servers: 200 = admitted, 429 = limited.
-- Each wrk thread has its own Lua state: setup() keeps the threads, done() adds up their counters.
-- done() prints one machine-readable line; latencies are in microseconds.
local threads = {}

setup = function(thread)
  table.insert(threads, thread)
end

init = function(args)
  ok = 0
  limited = 0
end

request = function()
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = "10.3.0.1" })
end

response = function(status, headers, body)
  if status == 200 then
    ok = ok + 1
  elseif status == 429 then
    limited = limited + 1
  end
end

done = function(summary, latency, requests)
  local total_ok, total_limited = 0, 0
  for _, t in ipairs(threads) do
    total_ok = total_ok + t:get("ok")
    total_limited = total_limited + t:get("limited")
  end
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d socket_errors=%d non2xx=%d p50=%d p95=%d p99=%d max=%d ok=%d limited=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max, total_ok, total_limited))
end
