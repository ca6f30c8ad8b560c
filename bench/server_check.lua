-- wrk script for `scripts/bench-server`: POST /api/v1/check with tweet-sized
-- customer-care replies (a mix of clean texts and texts with findings), the
-- API token from the environment variable LP_TOKEN.
local texts = {
  -- 13 ordinary replies, one promise (warn), one code name (hold), one IBAN
  -- (block): about the share of flagged replies seen in real care traffic
  -- (docs/QUALITY.md), so the audit log gets its realistic share of writes.
  "Vielen Dank für Ihre Nachricht, wir melden uns morgen bei Ihnen.",
  "Das tut uns leid! Bitte schicken Sie uns Ihre Auftragsnummer per DM, dann prüfen wir das.",
  "Thanks for reaching out, we are looking into the delay and will update you shortly.",
  "Sorry about that! Our team is on it and the fix should be live tonight.",
  "Der Zug fällt leider aus, bitte nutzen Sie die Verbindung um 14:32 ab Gleis 5.",
  "Guten Morgen! Ihre Bestellung ist unterwegs und sollte heute ankommen.",
  "We have passed your feedback on to the product team, thank you for taking the time.",
  "Hallo Frau Berger, der Termin am Donnerstag passt, wir bestätigen ihn per E-Mail.",
  "Could you tell us which app version you are using? Then we can look into it.",
  "Leider ist der Artikel gerade ausverkauft, er kommt voraussichtlich nächste Woche wieder.",
  "Happy to help! You can change your plan any time under Settings > Subscription.",
  "Wir verstehen Ihren Ärger. Eine Kollegin ruft Sie heute Nachmittag zurück.",
  "Thanks for your patience while we sort this out.",
  "Sie bekommen garantiert eine Erstattung, versprochen!",
  "Projekt Falke startet im März, mehr dürfen wir noch nicht verraten.",
  "Ihre IBAN DE89 3704 0044 0532 0130 00 haben wir notiert.",
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
