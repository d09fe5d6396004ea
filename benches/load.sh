#!/usr/bin/env bash
# HTTP load benchmark of `docent serve` with wrk.
#
#   benches/load.sh [INDEX_DIR] [SECONDS]
#
# INDEX_DIR defaults to the registry index built by benches/index-registry.sh
# ($TMPDIR/docent-bench/index; built here when missing). Reports, for each run,
# wrk's requests/s and latency percentiles:
#   1. GET  /v1/search                   (rotating the dev questions)
#   2. POST /v1/ask, extractive mode      (no LLM configured)
#   3. POST /v1/ask, LLM mode against benches/fake_openai.py, which streams a
#      40-token answer at once: the latency is the service's own overhead.
# and the server's peak RSS. Rate limiting is off for the runs.
set -euo pipefail
cd "$(dirname "$0")/.."
WORK=${DOCENT_BENCH_DIR:-${TMPDIR:-/tmp}/docent-bench}
INDEX=${1:-$WORK/index}
SECS=${2:-20}
PORT=8181
LLM_PORT=8185
BIN=target/release/docent

command -v wrk >/dev/null || { echo "wrk is needed: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet
if [ ! -f "$INDEX/CURRENT" ]; then
  echo "no index at $INDEX: indexing the cargo registry source"
  "$BIN" index "$HOME/.cargo/registry/src" --index "$INDEX" >/dev/null
fi

server_pid=""
llm_pid=""
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  [ -n "$llm_pid" ] && kill "$llm_pid" 2>/dev/null || true
}
trap cleanup EXIT

start_server() {
  rm -rf "$WORK/serve-data"
  DOCENT_RATE_LIMIT_PER_MINUTE=0 "$BIN" serve --index "$INDEX" --data "$WORK/serve-data" \
    --addr "127.0.0.1:$PORT" "$@" 2> "$WORK/serve.log" &
  server_pid=$!
  for _ in $(seq 100); do
    curl -sf "http://127.0.0.1:$PORT/readyz" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "server did not become ready; log:" >&2; cat "$WORK/serve.log" >&2; exit 1
}

stop_server() {
  echo "  server peak RSS: $(awk '/VmHWM/ {printf "%.0f MiB", $2/1024}' "/proc/$server_pid/status")"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=""
}

run() {
  echo "== $1"
  wrk -t2 -c"$2" -d"${SECS}s" --latency -s "$3" "http://127.0.0.1:$PORT" \
    | grep -E "Requests/sec|^ +(50|75|90|99)%|Non-2xx|Socket errors"
}

start_server
curl -sf "http://127.0.0.1:$PORT/readyz"; echo
run "GET /v1/search, 8 connections" 8 benches/load/search.lua
run "GET /v1/search, 32 connections" 32 benches/load/search.lua
run "POST /v1/ask extractive, 8 connections" 8 benches/load/ask.lua
stop_server

python3 benches/fake_openai.py "$LLM_PORT" 40 &
llm_pid=$!
DOCENT_LLM_BASE_URL="http://127.0.0.1:$LLM_PORT/v1" DOCENT_LLM_MODEL=bench start_server
run "POST /v1/ask with an instant LLM (service overhead), 8 connections" 8 benches/load/ask.lua
stop_server
