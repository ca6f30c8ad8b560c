# Shared by the integration scripts that run `leitplanke serve`; sourced
# after `bin` is set. Gives a temporary folder ($tmp, removed on exit along
# with a still running server), the environment for a quiet test server,
# $data, the failure counter ($fails, fail MESSAGE), start LOGFILE, json and
# first_token.
tmp=$(mktemp -d)
pid=""
cleanup() {
  [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
export LEITPLANKE_CACHE_DIR="$tmp/cache"
export LEITPLANKE_LOG_ACCESS_LOG=false
export LEITPLANKE_SECURITY_REQUIRE_2FA_ROLES=""  # 2FA flows are covered by server_api_test
data="$tmp/data"
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

start() {  # start LOGFILE: runs serve on an ephemeral port, sets $pid and $url
  "$bin" serve --data "$data" --listen 127.0.0.1:0 >"$1" 2>"$1.err" &
  pid=$!
  for _ in $(seq 1 100); do
    url=$(grep -o 'serving on http://[0-9.:]*' "$1" | sed 's/serving on //')
    [ -n "$url" ] && return 0
    sleep 0.1
  done
  echo "server did not start:"; cat "$1" "$1.err"; exit 1
}
json() { curl -s -H 'Content-Type: application/json' "$@"; }

# first_token LOGFILE JAR NAME SCOPES: the first run's admin signs in (cookie
# jar JAR) with the one-time password LOGFILE shows, replaces it with
# "integration test password" and creates the API token NAME with SCOPES (a
# JSON array); prints the token, nothing when that failed.
first_token() {
  local pw login csrf
  pw=$(sed -n 's/^  password:  \([^ ]*\).*/\1/p' "$1")
  login=$(json -c "$2" -d "{\"username\":\"admin\",\"password\":\"$pw\"}" "$url/api/v1/auth/login")
  csrf=$(echo "$login" | sed -n 's/.*"csrf_token":"\([^"]*\)".*/\1/p')
  json -b "$2" -H "X-CSRF-Token: $csrf" -o /dev/null \
    -d "{\"old_password\":\"$pw\",\"new_password\":\"integration test password\"}" \
    "$url/api/v1/auth/password"
  json -b "$2" -H "X-CSRF-Token: $csrf" -d "{\"name\":\"$3\",\"scopes\":$4}" \
    "$url/api/v1/auth/tokens" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p'
}
