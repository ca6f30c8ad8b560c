#!/usr/bin/env bash
# End-to-end tests of the `leitplanke` binary: exit codes, formats, JSONL
# input with errors, company terms and domains, policy lint and test.
# Usage: cli_test.sh path/to/leitplanke
set -u
bin="$1"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export LEITPLANKE_CACHE_DIR="$tmp/cache"  # hermetic: no cache outside the test
fails=0

expect_rc() {  # expect_rc WANT DESCRIPTION -- command...
  local want=$1 desc=$2
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -ne "$want" ]; then
    echo "FAIL: $desc: exit $rc, want $want"; cat "$tmp/out" "$tmp/err"; fails=$((fails + 1))
  fi
}
expect_grep() {  # expect_grep FILE PATTERN DESCRIPTION
  if ! grep -q -- "$2" "$1"; then
    echo "FAIL: $3: '$2' not in output:"; cat "$1"; fails=$((fails + 1))
  fi
}

expect_rc 0 "clean text allows" -- "$bin" check "Danke, wir melden uns morgen."
expect_rc 1 "promise warns" -- "$bin" check "Sie bekommen garantiert eine Erstattung."
expect_rc 2 "code name holds" -- "$bin" check "Projekt Falke startet im März"
expect_rc 3 "IBAN blocks" -- "$bin" check "IBAN DE89 3704 0044 0532 0130 00"
expect_rc 0 "IBAN in private allows" -- "$bin" check --audience private "IBAN DE89 3704 0044 0532 0130 00"

# JSON output carries offsets and the redacted text.
expect_rc 3 "json" -- "$bin" check --format json "Mail an anna.berger@gmail.com"
expect_grep "$tmp/out" '"rule": "R01.pii"' "json finding"
expect_grep "$tmp/out" '"start": 8' "json start offset"
expect_grep "$tmp/out" '"redacted": "Mail an \[email\]"' "json redaction"

# JSONL in, JSONL out: ids echoed, a broken line reported with file:line, the rest checked.
cat >"$tmp/in.jsonl" <<'JSONL'
{"id": "a", "text": "Alles gut, danke!"}
{"id": "b", "text": "Projekt Falke kommt", "audience": "public"}
{"id": "c", "text": 42}
not json at all
{"id": "d", "text": "Zu lang für X? Nein.", "channel": "x"}
JSONL
expect_rc 65 "jsonl with bad lines" -- "$bin" check --jsonl --format jsonl -f "$tmp/in.jsonl"
expect_grep "$tmp/out" '"id":"a","action":"allow"\|"action":"allow".*"id":"a"\|"id":"a"' "id a echoed"
expect_grep "$tmp/out" '"id":"b"' "id b echoed"
expect_grep "$tmp/out" '"id":"d"' "line after errors still checked"
expect_grep "$tmp/err" 'in.jsonl:3: /text must be a string' "bad type reported with line and pointer"
expect_grep "$tmp/err" 'in.jsonl:4: invalid JSON at byte' "bad JSON reported with line and byte"

# Stdin, company terms and internal domains.
printf 'Zaunkoenig\n' >"$tmp/terms.txt"
expect_rc 2 "--terms adds terms" -- sh -c "echo 'Der Zaunkönig fliegt bald' | '$bin' check --terms '$tmp/terms.txt' -f -"
expect_rc 0 "without --terms" -- sh -c "echo 'Der Zaunkönig fliegt bald' | '$bin' check -f -"
printf 'Zaunkönig\n' >"$tmp/terms2.txt"
expect_rc 2 "--terms with umlaut spelling" -- "$bin" check --terms "$tmp/terms2.txt" "Der Zaunkoenig fliegt bald"
expect_rc 2 "--internal-domain" -- "$bin" check --internal-domain corp.example "siehe https://git.corp.example/a"

# Usage and policy errors.
expect_rc 64 "unknown option" -- "$bin" check --frobnicate x
expect_rc 78 "missing policy" -- "$bin" check --policy "$tmp/none.toml" x
printf '[policy]\nid = "x"\nversion = "1"\n[[rule]]\nid = "R1"\ndetector = "regex"\ncategory = "pii"\nparams = { patterns = ["(?=a)b"] }\n' >"$tmp/bad.toml"
expect_rc 78 "lint rejects look-ahead" -- "$bin" policy lint --policy "$tmp/bad.toml"
expect_grep "$tmp/err" 'rule R1' "lint names the rule"
expect_grep "$tmp/err" 'bad.toml:4:1' "lint names file and line"
printf '[policy]\nid = "x"\nversion = "1"\nname = \n' >"$tmp/syntax.toml"
expect_rc 78 "lint rejects bad TOML" -- "$bin" policy lint --policy "$tmp/syntax.toml"
expect_grep "$tmp/err" 'syntax.toml:4:' "syntax error position"

# The second run loads compiled databases from the cache.
expect_rc 0 "lint fills the cache" -- "$bin" policy lint
expect_rc 0 "lint from cache" -- "$bin" policy lint
expect_grep "$tmp/out" 'databases from cache' "cache used"
expect_rc 0 "no cache" -- "$bin" policy lint --cache-dir none
if grep -q 'from cache' "$tmp/out"; then echo "FAIL: --cache-dir none used the cache"; fails=$((fails + 1)); fi

# The default pack lints and its examples pass; the demo runs.
expect_rc 0 "policy lint" -- "$bin" policy lint
expect_rc 0 "policy test" -- "$bin" policy test
expect_rc 0 "demo" -- "$bin" demo
expect_grep "$tmp/out" 'BLOCK' "demo shows verdicts"

if [ "$fails" -ne 0 ]; then
  echo "$fails failure(s)"
  exit 1
fi
echo "all CLI checks passed"
