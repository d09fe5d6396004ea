#!/usr/bin/env bash
# Hot swap under load: wrk asks `docent serve` questions (POST /v1/ask,
# extractive) over the 100 MB corpus of benches/release-reindex.sh while
# releases touching 1% of it are indexed and published every few seconds; the
# server picks each one up from CURRENT. Prints a steady run first, then the
# run with swaps: requests, non-2xx responses and socket errors (both must be
# absent), latency percentiles, and the release served at the end.
#
#   benches/swap-load.sh [SECONDS] [RELEASES]
#
# Needs wrk, a release build and the corpus (built by release-reindex.sh when
# missing).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-30}
releases=${2:-4}
work=${WORK:-/tmp/docent-release-bench}
corpus="$work/corpus-100"
index="$work/index-100"
port=8183
bin=target/release/docent

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
[ -x "$bin" ] || { echo "needs $bin: cargo build --release" >&2; exit 1; }
[ -f "$index/CURRENT" ] || benches/release-reindex.sh >/dev/null

server_pid=""
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true' EXIT
rm -rf "$work/swap-data"
DOCENT_RATE_LIMIT_PER_MINUTE=0 "$bin" serve --index "$index" --data "$work/swap-data" \
  --addr "127.0.0.1:$port" 2> "$work/swap-serve.log" &
server_pid=$!
for _ in $(seq 100); do
  curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break
  sleep 0.1
done

load() {
  local out
  out=$(wrk -t2 -c8 -d"${secs}s" --latency -s benches/load/ask.lua "http://127.0.0.1:$port")
  echo "$out" | grep -E "requests in|Requests/sec|^ +(50|90|99)%" || true
  # wrk prints these lines only when there are any.
  echo "  non-2xx: $(echo "$out" | sed -n 's/.*Non-2xx or 3xx responses: *//p' | grep . || echo 0)"
  echo "  socket errors: $(echo "$out" | sed -n 's/.*Socket errors: *//p' | grep . || echo none)"
}

echo "== steady, ${secs} s, 8 connections"
load

echo "== with $releases releases published during ${secs} s"
files=$(find "$corpus" -type f \( -name '*.rs' -o -name '*.md' -o -name '*.toml' \) | sort)
touch_n=$(($(echo "$files" | wc -l) / 100))
(
  gap=$((secs / (releases + 2)))
  started=$SECONDS
  for n in $(seq "$releases"); do
    sleep "$gap"
    label="swap-$(date +%s)-$n"
    echo "$files" | awk -v n="$touch_n" -v off="$((n + 10))" 'NR % 100 == off && c < n {print; c++}' |
      while read -r f; do printf '\n// %s\n' "$label" >> "$f"; done
    "$bin" index "$corpus" --index "$index" --release "$label" >/dev/null 2>&1
    echo "  published $label at $((SECONDS - started)) s" >&2
  done
) &
indexer=$!
load
wait "$indexer"
sleep 1
echo "  served at the end: $(curl -sf "http://127.0.0.1:$port/readyz")"
