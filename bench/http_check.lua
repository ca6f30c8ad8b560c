-- wrk script: POST a small guard check request (see bench/http_server_bench.cc).
wrk.method = "POST"
wrk.body = '{"text":"Vielen Dank für Ihre Nachricht, wir melden uns morgen bei Ihnen.","channel":"x"}'
wrk.headers["Content-Type"] = "application/json"
