#!/usr/bin/env bash
# Indexing benchmark over real code nobody here wrote: the local cargo registry.
#
#   benches/index-registry.sh [SOURCE_DIR] [RUNS]
#
# Copies SOURCE_DIR (default ~/.cargo/registry/src) to a scratch directory, then
# reports, as medians over RUNS (default 3):
#   - cold index: seconds, MB/s (source bytes parsed / wall time), peak RSS;
#   - re-index after appending a line to one file: seconds;
#   - re-index of an unchanged tree: seconds;
# and finally search latency (p50/p90/p99) over the dev question sets.
set -euo pipefail
cd "$(dirname "$0")/.."
SRC=${1:-$HOME/.cargo/registry/src}
RUNS=${2:-3}
WORK=${DOCENT_BENCH_DIR:-${TMPDIR:-/tmp}/docent-bench}
BIN=target/release/docent

cargo build --release --quiet
rm -rf "$WORK" && mkdir -p "$WORK"
cp -r "$SRC" "$WORK/src"
echo "source: $SRC ($(du -sh "$WORK/src" | cut -f1), $(find "$WORK/src" -type f | wc -l) files)"

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
field() { python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"; }

: > "$WORK/cold.txt"; : > "$WORK/touch.txt"; : > "$WORK/noop.txt"
for run in $(seq "$RUNS"); do
  rm -rf "$WORK/index"
  # Drop nothing from the page cache: this measures CPU-bound indexing of warm files.
  /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$BIN" index "$WORK/src" --index "$WORK/index" --json > "$WORK/cold.json"
  read -r secs rss_kb < "$WORK/time.txt"
  bytes=$(field "$WORK/cold.json" bytes_parsed)
  echo "$secs $rss_kb $bytes" >> "$WORK/cold.txt"

  victim=$(find "$WORK/src" -name lib.rs | sort | sed -n 1p)
  echo "// touched by the benchmark, run $run" >> "$victim"
  /usr/bin/time -f "%e" -o "$WORK/time.txt" "$BIN" index "$WORK/src" --index "$WORK/index" --json > "$WORK/touch.json"
  cat "$WORK/time.txt" >> "$WORK/touch.txt"
  [ "$(field "$WORK/touch.json" files_parsed)" = 1 ] || { echo "expected exactly one file parsed"; exit 1; }

  /usr/bin/time -f "%e" -o "$WORK/time.txt" "$BIN" index "$WORK/src" --index "$WORK/index" --json > /dev/null
  cat "$WORK/time.txt" >> "$WORK/noop.txt"
done

cold_s=$(cut -d' ' -f1 "$WORK/cold.txt" | median)
rss_mb=$(cut -d' ' -f2 "$WORK/cold.txt" | median | awk '{printf "%.0f", $1/1024}')
bytes=$(head -n1 "$WORK/cold.txt" | cut -d' ' -f3)
echo "files: $(field "$WORK/cold.json" files), chunks: $(field "$WORK/cold.json" chunks), source bytes parsed: $bytes"
echo "cold index:      median ${cold_s} s, $(awk -v b="$bytes" -v s="$cold_s" 'BEGIN {printf "%.1f", b/1e6/s}') MB/s, peak RSS ${rss_mb} MiB"
echo "one file touched: median $(median < "$WORK/touch.txt") s"
echo "unchanged tree:   median $(median < "$WORK/noop.txt") s"
cargo bench --quiet --bench search_latency -- "$WORK/index" 2>/dev/null | tail -n 2
