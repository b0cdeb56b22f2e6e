-- Each request comes "through a proxy" on 127.0.0.1 for one of 10,000 clients (X-Forwarded-For),
-- so the filter (trusted-proxies 127.0.0.1) counts many identities, as behind a real load balancer.
-- With the script argument "hot" (wrk ... -- hot) every request is from one client: a hot identity.
-- done() prints one machine-readable line; latencies are in microseconds.
local n = 0
local hot = false

init = function(args)
  hot = args[1] == "hot"
end

request = function()
  if hot then
    return wrk.format(nil, nil, { ["X-Forwarded-For"] = "10.2.0.1" })
  end
  n = n + 1
  local i = n % 10000
  return wrk.format(nil, nil, { ["X-Forwarded-For"] = "10.1." .. math.floor(i / 256) .. "." .. (i % 256) })
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d duration_us=%d socket_errors=%d non2xx=%d p50=%d p95=%d p99=%d max=%d\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
