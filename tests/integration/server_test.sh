#!/usr/bin/env bash
# The `leitplanke serve` process end to end: first run, sign-in over HTTP,
# graceful stop on SIGTERM, and a SIGKILL in the middle of writes after which
# the restarted server finds every acknowledged write and an intact audit
# chain. Also the operator commands (user, audit verify, backup, restore,
# vault rotate) on the same data.
# Usage: server_test.sh path/to/leitplanke
set -u
bin="$1"
. "$(dirname "$0")/serve_lib.sh"

start "$tmp/run1.log"
password=$(sed -n 's/^  password:  \([^ ]*\).*/\1/p' "$tmp/run1.log")
[ -n "$password" ] || fail "first run prints no one-time password: $(cat "$tmp/run1.log")"
grep -q "username:  admin" "$tmp/run1.log" || fail "first run names no admin"

login=$(json -c "$tmp/jar" -d "{\"username\":\"admin\",\"password\":\"$password\"}" "$url/api/v1/auth/login")
csrf=$(echo "$login" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
[ -n "$csrf" ] || fail "login: $login"
code=$(json -b "$tmp/jar" -H "X-CSRF-Token: $csrf" -o /dev/null -w '%{http_code}' \
  -d "{\"old_password\":\"$password\",\"new_password\":\"integration test password\"}" \
  "$url/api/v1/auth/password")
[ "$code" = 204 ] || fail "password change: HTTP $code"
token=$(json -b "$tmp/jar" -H "X-CSRF-Token: $csrf" \
  -d '{"name":"it","scopes":["teams:write","teams:read","check"]}' "$url/api/v1/auth/tokens" |
  sed -n 's/.*"token":"\([^"]*\)".*/\1/p')
[ -n "$token" ] || fail "no API token"
auth=(-H "Authorization: Bearer $token")

verdict=$(json "${auth[@]}" -d '{"text":"IBAN DE89 3704 0044 0532 0130 00"}' "$url/api/v1/check")
echo "$verdict" | grep -q '"action":"block"' || fail "check: $verdict"

# Graceful stop: SIGTERM ends the process with status 0.
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=""
[ "$rc" = 0 ] || fail "SIGTERM exit status $rc"
grep -q "Leitplanke stopped" "$tmp/run1.log" || fail "no clean stop message"

# SIGKILL while teams are being created: every acknowledged team survives.
start "$tmp/run2.log"
grep -q "First run" "$tmp/run2.log" && fail "second start ran the first-run set-up again"
: >"$tmp/acked"
(
  for i in $(seq 1 400); do
    code=$(json "${auth[@]}" -o /dev/null -w '%{http_code}' -d "{\"name\":\"team-$i\"}" \
      "$url/api/v1/teams")
    [ "$code" = 201 ] && echo "team-$i" >>"$tmp/acked"
  done
) &
writer=$!
sleep 1.5
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
wait "$writer" 2>/dev/null
acked=$(wc -l <"$tmp/acked")
[ "$acked" -gt 5 ] || fail "too few writes before the kill ($acked)"

"$bin" audit verify --data "$data" >"$tmp/verify" 2>&1 || fail "audit verify after SIGKILL: $(cat "$tmp/verify")"
start "$tmp/run3.log"
teams=$(curl -s "${auth[@]}" "$url/api/v1/teams")
missing=0
while read -r name; do
  echo "$teams" | grep -q "\"name\":\"$name\"" || missing=$((missing + 1))
done <"$tmp/acked"
[ "$missing" = 0 ] || fail "$missing of $acked acknowledged teams lost after SIGKILL"
ready=$(curl -s -o /dev/null -w '%{http_code}' "$url/readyz")
[ "$ready" = 200 ] || fail "readyz after restart: $ready"
kill -TERM "$pid"; wait "$pid"; pid=""

# The desk: replies accepted (HTTP 202) while the server is killed are sent
# after the restart, each once; the outbox resumes where the process died.
desk_data="$tmp/desk"
main_data="$data"
data="$desk_data"
# Claims of the killed process end after 5 s instead of a minute.
export LEITPLANKE_DESK_DEMO=1 LEITPLANKE_DESK_TICK_MS=200 LEITPLANKE_DESK_OUTBOX_LEASE_MS=5000
start "$tmp/desk1.log"
dtoken=$(first_token "$tmp/desk1.log" "$tmp/djar" desk '["desk:read","desk:reply"]')
[ -n "$dtoken" ] || fail "no desk API token"
dauth=(-H "Authorization: Bearer $dtoken")
convs=""
for _ in $(seq 1 50); do  # the demo channel's first poll fills the inbox
  convs=$(curl -s "${dauth[@]}" "$url/api/v1/desk/conversations?limit=20" |
    grep -o '"id":[0-9]*,"language"' | grep -o '[0-9]*')
  [ -n "$convs" ] && break
  sleep 0.2
done
[ -n "$convs" ] || fail "the demo inbox stayed empty"
: >"$tmp/replies"
(
  # At most 60 replies, paced so that the kill lands while they are still
  # arriving: the demo channel sends 60 per minute, so the restarted server
  # can send everything left within one rate-limit window.
  i=0
  while [ $i -lt 60 ]; do
    for c in $convs; do
      [ $i -lt 60 ] || break
      i=$((i + 1))
      sleep 0.02
      code=$(json "${dauth[@]}" -o /dev/null -w '%{http_code}' \
        -d "{\"text\":\"Vielen Dank, wir melden uns (Antwort $i).\",\"idempotency_key\":\"it-$i\"}" \
        "$url/api/v1/desk/conversations/$c/replies")
      [ "$code" = 202 ] && echo "$c $i" >>"$tmp/replies"
    done
  done
) &
replier=$!
sleep 1.5
kill -9 "$pid"; wait "$pid" 2>/dev/null; pid=""
wait "$replier" 2>/dev/null
accepted=$(wc -l <"$tmp/replies")
[ "$accepted" -gt 5 ] || fail "too few replies accepted before the kill ($accepted)"
start "$tmp/desk2.log"
lost=0
for _ in $(seq 1 60); do  # the worker sends what was left in the outbox
  lost=0
  : >"$tmp/sent"
  for c in $convs; do
    curl -s "${dauth[@]}" "$url/api/v1/desk/conversations/$c" >>"$tmp/sent"
  done
  while read -r c i; do
    n=$(grep -o "\"body\":\"Vielen Dank, wir melden uns (Antwort $i).\",[^}]*\"delivery\":\"sent\"" "$tmp/sent" | wc -l)
    [ "$n" = 1 ] || lost=$((lost + 1))
  done <"$tmp/replies"
  [ "$lost" = 0 ] && break
  sleep 0.5
done
[ "$lost" = 0 ] || fail "$lost of $accepted accepted replies not sent exactly once after SIGKILL"
kill -TERM "$pid"; wait "$pid"; pid=""
# Every sent reply is in the archive, which verifies and exports.
out=$("$bin" archive verify --data "$desk_data" 2>&1) || fail "archive verify: $out"
"$bin" archive export --data "$desk_data" --out "$tmp/archive.jsonl" 2>/dev/null ||
  fail "archive export failed"
archived=$(grep -c '"wire_text":"Vielen Dank, wir melden uns (Antwort' "$tmp/archive.jsonl")
[ "$archived" = "$accepted" ] || fail "archive has $archived of $accepted sent replies"
"$bin" archive export --data "$desk_data" --format eml --out "$tmp/eml" 2>/dev/null ||
  fail "archive export eml failed"
grep -lq "X-Leitplanke-Hash: " "$tmp"/eml/*.eml || fail "no .eml with the chain hash"
sqlite3 "$desk_data/leitplanke.db" "UPDATE archive SET wire_text = 'changed' WHERE seq = 1"
"$bin" archive verify --data "$desk_data" >"$tmp/averify" 2>&1 &&
  fail "archive verify missed an edited entry: $(cat "$tmp/averify")"
grep -q "archive entry 1" "$tmp/averify" || fail "archive verify names no entry: $(cat "$tmp/averify")"
unset LEITPLANKE_DESK_DEMO LEITPLANKE_DESK_TICK_MS LEITPLANKE_DESK_OUTBOX_LEASE_MS
data="$main_data"

# Operator commands on the same data.
out=$("$bin" user add carla --role agent --data "$data") || fail "user add: $out"
echo "$out" | grep -q "one-time password: " || fail "user add prints no password: $out"
"$bin" user list --data "$data" | grep -q "carla .*agent" || fail "user list lacks carla"
"$bin" user disable carla --data "$data" >/dev/null || fail "user disable"
"$bin" user list --data "$data" | grep -q "carla.*disabled" || fail "carla not disabled"
"$bin" user disable nobody --data "$data" >/dev/null 2>&1 && fail "disabling an unknown user succeeds"

"$bin" backup --data "$data" --out "$tmp/backup.jsonl" >/dev/null || fail "backup jsonl"
"$bin" backup --data "$data" --format sqlite --out "$tmp/backup.db" >/dev/null || fail "backup sqlite"
"$bin" restore --data "$tmp/restored1" --from "$tmp/backup.jsonl" >/dev/null || fail "restore jsonl"
"$bin" restore --data "$tmp/restored2" --from "$tmp/backup.db" >/dev/null || fail "restore sqlite"
"$bin" backup --data "$tmp/restored1" --out "$tmp/again1.jsonl" >/dev/null
"$bin" backup --data "$tmp/restored2" --out "$tmp/again2.jsonl" >/dev/null
cmp -s "$tmp/backup.jsonl" "$tmp/again1.jsonl" || fail "jsonl restore differs from the original"
cmp -s "$tmp/backup.jsonl" "$tmp/again2.jsonl" || fail "sqlite restore differs from the original"
"$bin" restore --data "$tmp/restored1" --from "$tmp/backup.jsonl" >/dev/null 2>&1 &&
  fail "restore into a non-empty database succeeds"

"$bin" vault rotate --data "$data" >"$tmp/rotate" 2>&1 || fail "vault rotate: $(cat "$tmp/rotate")"
"$bin" audit verify --data "$data" >/dev/null || fail "audit verify after rotation"
stat -c %a "$data/master.key" | grep -q '^600$' || fail "master key file mode is not 0600"

# Tampering is found and named.
if command -v sqlite3 >/dev/null; then
  sqlite3 "$data/leitplanke.db" "UPDATE audit_log SET actor='user:mallory' WHERE seq=2"
  out=$("$bin" audit verify --data "$data")
  [ $? = 1 ] || fail "audit verify misses an edited entry"
  echo "$out" | grep -q "entry 2" || fail "audit verify does not name entry 2: $out"
fi

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s)"; exit 1
fi
echo "server_test: all passed ($acked writes and $accepted desk replies acknowledged before SIGKILL)"
