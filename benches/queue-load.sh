#!/usr/bin/env bash
# The CSM queue under load with a large database: seeds DATA_DIR (default
# /tmp/docent-queue-bench) with 100,000 escalations (benches/seed_queue.py),
# serves it, and loads the list API and the console's queue page with wrk,
# reporting p50/p95/p99 per URL.
#
#   benches/queue-load.sh [--escalations N] [--seconds S] [--connections C]
#
# Needs wrk, python3 and a release build (cargo build --release). Re-uses an
# already seeded DATA_DIR of the same size.
set -euo pipefail
cd "$(dirname "$0")/.."

escalations=100000
seconds=10
connections=4
data=${DATA_DIR:-/tmp/docent-queue-bench}
while [ $# -gt 0 ]; do
  case "$1" in
    --escalations) escalations=$2; shift 2 ;;
    --seconds) seconds=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    *) echo "usage: $0 [--escalations N] [--seconds S] [--connections C]" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "needs wrk (apt-get install wrk)" >&2; exit 1; }
bin=target/release/docent
[ -x "$bin" ] || { echo "needs $bin: cargo build --release" >&2; exit 1; }

marker="$data/seeded-$escalations"
if [ ! -e "$marker" ]; then
  rm -rf "$data" && mkdir -p "$data"
  printf 'id,name,tier\nbench,Bench,ai_assisted\n' > "$data/accounts.csv"
  "$bin" accounts import "$data/accounts.csv" --data "$data" >/dev/null
  python3 benches/seed_queue.py "$data" --escalations "$escalations"
  touch "$marker"
fi
token=$("$bin" tokens create --role csm --name bench@vendor.test --data "$data" 2>/dev/null)

port=18093
DOCENT_LOG=warn "$bin" serve --data "$data" --addr "127.0.0.1:$port" --budget-ms 3500 >/dev/null 2>"$data/serve.log" &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -sf "127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.2
done
base="http://127.0.0.1:$port"
after=$(curl -sf -H "authorization: Bearer $token" "$base/v1/csm/escalations?status=all" |
  python3 -c 'import json,sys; print(json.load(sys.stdin)["next"])')

lua=$(mktemp)
cat > "$lua" <<'LUA'
done = function(summary, latency, requests)
  io.write(string.format("%8.0f req/s  p50 %6.2f ms  p95 %6.2f ms  p99 %6.2f ms\n",
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
LUA

run() {
  local label=$1 url=$2 header=$3
  printf '%-44s' "$label"
  wrk -t1 -c"$connections" -d"${seconds}s" -H "$header" -s "$lua" "$url" | tail -1
}
auth="authorization: Bearer $token"
cookie="cookie: docent_console=$token"
echo "$escalations escalations; $connections connections, ${seconds} s each"
run "GET /v1/csm/escalations" "$base/v1/csm/escalations" "$auth"
run "  ?tier=high_touch" "$base/v1/csm/escalations?tier=high_touch" "$auth"
run "  ?overdue=true" "$base/v1/csm/escalations?overdue=true" "$auth"
run "  ?account=acct0042" "$base/v1/csm/escalations?account=acct0042" "$auth"
run "  ?status=resolved" "$base/v1/csm/escalations?status=resolved" "$auth"
run "  ?status=all" "$base/v1/csm/escalations?status=all" "$auth"
run "  ?status=all&after=<page 2>" "$base/v1/csm/escalations?status=all&after=$after" "$auth"
run "  ?status=all&tier=ai_assisted&limit=200" "$base/v1/csm/escalations?status=all&tier=ai_assisted&limit=200" "$auth"
run "GET /console/queue" "$base/console/queue" "$cookie"
run "  ?tier=ai_assisted&status=all" "$base/console/queue?tier=ai_assisted&status=all" "$cookie"
run "GET /v1/csm/escalations/{id}" "$base/v1/csm/escalations/e_seed0050000" "$auth"
"$bin" tokens list --data "$data" | awk '/bench@vendor.test/ && /active/ {print $1}' |
  while read -r id; do "$bin" tokens revoke "$id" --data "$data" >/dev/null; done
rm -f "$lua"
