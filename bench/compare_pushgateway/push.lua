-- wrk script: POSTs a text-format body of SERIES counter series to PUSH_PATH.
-- Both servers take the same request (the Pushgateway API).
local series = tonumber(os.getenv("SERIES") or "10")
local lines = { "# TYPE bench_requests_total counter" }
for i = 1, series do
  lines[#lines + 1] = string.format('bench_requests_total{route="r%d",code="200"} 1', i)
end
wrk.method = "POST"
wrk.path = os.getenv("PUSH_PATH") or "/metrics/job/bench"
wrk.body = table.concat(lines, "\n") .. "\n"
wrk.headers["Content-Type"] = "text/plain; version=0.0.4"
-- NEW_CONNECTION=1: one TCP connection per request, as a Lambda that makes its HTTP
-- client inside the handler does (the server closes after answering; wrk reconnects).
if os.getenv("NEW_CONNECTION") == "1" then wrk.headers["Connection"] = "close" end

-- summary.errors.status counts answers >= 400, which are reported, not counted as pushes.
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(99),
    summary.errors.status, summary.errors.connect + summary.errors.read +
    summary.errors.write + summary.errors.timeout))
end
