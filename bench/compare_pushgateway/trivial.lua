-- wrk script: GET /-/healthy (served by both), the cheapest request a server answers:
-- a ceiling for push.
wrk.path = "/-/healthy"
-- NEW_CONNECTION=1: one TCP connection per request (see push.lua).
if os.getenv("NEW_CONNECTION") == "1" then wrk.headers["Connection"] = "close" end
function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d duration_us=%d p99_us=%d non2xx=%d errors=%d\n",
    summary.requests, summary.duration, latency:percentile(99), summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
