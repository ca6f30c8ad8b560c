-- wrk script for `scripts/bench-server`: POST /api/v1/check with tweet-sized
-- customer-care replies (a mix of clean texts and texts with findings), the
-- API token from the environment variable LP_TOKEN.
local texts = {
  "Vielen Dank für Ihre Nachricht, wir melden uns morgen bei Ihnen.",
  "Das tut uns leid! Bitte schicken Sie uns Ihre Auftragsnummer per DM, dann prüfen wir das.",
  "Thanks for reaching out, we are looking into the delay and will update you shortly.",
  "Ihre IBAN DE89 3704 0044 0532 0130 00 haben wir notiert.",
  "Rufen Sie uns unter 0171 2345678 an, wir helfen gern weiter.",
  "Sorry about that! Our team is on it and the fix should be live tonight.",
  "Projekt Falke startet im März, mehr dürfen wir noch nicht verraten.",
  "Der Zug fällt leider aus, bitte nutzen Sie die Verbindung um 14:32 ab Gleis 5.",
}
local bodies = {}
for i, t in ipairs(texts) do
  bodies[i] = '{"text":"' .. t .. '","channel":"x","audience":"public"}'
end
local n = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. (os.getenv("LP_TOKEN") or "")

request = function()
  n = n + 1
  return wrk.format(nil, "/api/v1/check", nil, bodies[(n % #bodies) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("lp: requests=%d errors_status=%d p50_ms=%.3f p99_ms=%.3f\n",
    summary.requests, summary.errors.status, latency:percentile(50) / 1000,
    latency:percentile(99) / 1000))
end
