#!/usr/bin/env bash
# A scheduled post survives restarts of `leitplanke serve` across its time:
# scheduled a few seconds ahead, the server stopped (once killed with
# SIGKILL, once with SIGTERM) before the time comes, started again after it:
# the post is sent exactly once — one archive entry that verifies, one
# "publish.sent" audit entry — and a further restart sends nothing more.
# Usage: publish_restart_test.sh path/to/leitplanke
set -u
bin="$1"
. "$(dirname "$0")/serve_lib.sh"
# The demo inbox brings a channel ("demo") to publish on; the queue is
# served every 200 ms; no cool-down (it depends on today's working hours).
export LEITPLANKE_DESK_DEMO=1 LEITPLANKE_PUBLISH_TICK_MS=200 LEITPLANKE_PUBLISH_COOLDOWN_MINUTES=0
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^\",]*\).*/\1/p" | head -1; }

start "$tmp/run1.log"
token=$(first_token "$tmp/run1.log" "$tmp/jar" publish '["posts:read","posts:write"]')
[ -n "$token" ] || { echo "FAIL: no API token"; exit 1; }
auth=(-H "Authorization: Bearer $token")

channel=$(curl -s "${auth[@]}" "$url/api/v1/posts/channels" | grep -o '"id":[0-9]*' | head -1 |
  grep -o '[0-9]*')
[ -n "$channel" ] || { echo "FAIL: no channel to publish on"; exit 1; }

# One post per way of stopping: SIGKILL, then SIGTERM.
for how in KILL TERM; do
  post=$(json "${auth[@]}" -d "{\"title\":\"Restart $how\",\"body\":\"Unser Adventskalender startet ($how).\",\"variants\":[{\"channel_id\":$channel}]}" \
    "$url/api/v1/posts")
  id=$(echo "$post" | grep -o '"id":[0-9]*' | head -1 | grep -o '[0-9]*')
  [ -n "$id" ] || { echo "FAIL: create post: $post"; exit 1; }
  submitted=$(json "${auth[@]}" -d '{}' "$url/api/v1/posts/$id/submit")
  echo "$submitted" | grep -q '"decision":"approved"' || fail "submit $how: $submitted"
  at=$(date -u -d '+3 seconds' +%Y-%m-%dT%H:%M:%SZ)
  scheduled=$(json "${auth[@]}" -d "{\"scheduled_at\":\"$at\"}" "$url/api/v1/posts/$id/schedule")
  echo "$scheduled" | grep -q '"state":"scheduled"' || fail "schedule $how: $scheduled"

  # Down before the time comes, up again after it.
  kill -"$how" "$pid"; wait "$pid" 2>/dev/null; pid=""
  sleep 4
  start "$tmp/run-$how.log"
  state=""
  for _ in $(seq 1 50); do
    state=$(curl -s "${auth[@]}" "$url/api/v1/posts/$id" | grep -o '"state":"[a-z]*"' | head -1)
    [ "$state" = '"state":"sent"' ] && break
    sleep 0.2
  done
  [ "$state" = '"state":"sent"' ] || fail "post $id ($how) after the restart: $state"
  eval "post_$how=$id"
done

# Another restart sends nothing more.
kill -TERM "$pid"; wait "$pid"; pid=""
start "$tmp/run-last.log"
sleep 1.5
kill -TERM "$pid"; wait "$pid"; pid=""

out=$("$bin" archive verify --data "$data" 2>&1) || fail "archive verify: $out"
"$bin" archive export --data "$data" --out "$tmp/archive.jsonl" 2>/dev/null || fail "archive export"
for how in KILL TERM; do
  n=$(grep -c "Unser Adventskalender startet ($how)" "$tmp/archive.jsonl")
  [ "$n" = 1 ] || fail "the $how post is in the archive $n times, not once"
done
for how in KILL TERM; do
  eval "id=\$post_$how"
  n=$(sqlite3 "$data/leitplanke.db" \
    "SELECT COUNT(*) FROM audit_log WHERE action = 'publish.sent' AND target = 'post:$id'")
  [ "$n" = 1 ] || fail "post $id ($how) was sent $n times according to the audit log"
  n=$(sqlite3 "$data/leitplanke.db" "SELECT attempts FROM post_variants WHERE post_id = $id")
  echo "post $id ($how): sent once after $n claim(s)"
done
"$bin" audit verify --data "$data" >/dev/null 2>&1 || fail "audit verify"

if [ "$fails" -gt 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "publish restart test passed"
