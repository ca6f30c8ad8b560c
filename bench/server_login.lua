-- wrk script for `scripts/bench-server`: concurrent sign-ins (argon2id on the
-- server's worker threads) while the check benchmark runs.
wrk.method = "POST"
wrk.path = "/api/v1/auth/login"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"username":"' .. (os.getenv("LP_LOGIN_USER") or "bench") .. '","password":"' ..
  (os.getenv("LP_LOGIN_PASSWORD") or "") .. '"}'
done = function(summary, latency, requests)
  io.write(string.format("lp-login: requests=%d errors_status=%d p50_ms=%.1f p99_ms=%.1f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
