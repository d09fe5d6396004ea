#!/usr/bin/env bash
# A release that touches 1% of a 100 MB corpus: builds a ~100 MB corpus of Rust,
# Markdown and TOML from the local cargo registry (once, under $WORK, default
# /tmp/docent-release-bench), indexes it cold, then edits 1% of its files (a
# line appended to each) and times the incremental re-index and publish.
# Prints the cold time, then the release's time, for 3 releases (median is
# what the README quotes).
#
#   benches/release-reindex.sh [--mb 100] [--percent 1]
#
# Needs a release build (cargo build --release) and a cargo registry.
set -euo pipefail
cd "$(dirname "$0")/.."
mb=100
percent=1
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) mb=$2; shift 2 ;;
    --percent) percent=$2; shift 2 ;;
    *) echo "usage: $0 [--mb N] [--percent P]" >&2; exit 2 ;;
  esac
done
bin=target/release/docent
[ -x "$bin" ] || { echo "needs $bin: cargo build --release" >&2; exit 1; }
work=${WORK:-/tmp/docent-release-bench}
corpus="$work/corpus-$mb"
index="$work/index-$mb"
registry=$(ls -d "$HOME"/.cargo/registry/src/*/ | head -1)

# Seconds since `start` (nanoseconds from date +%s%N), to the millisecond.
since() { local ns=$(( $(date +%s%N) - $1 )); printf '%d.%03d' $((ns / 1000000000)) $((ns / 1000000 % 1000)); }

if [ ! -d "$corpus" ]; then
  # Built aside and renamed, so an interrupted copy is never taken for a corpus.
  final=$corpus
  corpus="$corpus.partial"
  rm -rf "$corpus"
  mkdir -p "$corpus"
  limit=$((mb * 1000 * 1000))
  total=0
  for crate in $(ls "$registry" | sort); do
    size=$(find "$registry/$crate" -type f \( -name '*.rs' -o -name '*.md' -o -name '*.toml' \) -size -1024k -printf '%s\n' | awk '{s+=$1} END {print s+0}')
    [ "$size" -eq 0 ] && continue
    mkdir -p "$corpus/$crate"
    (cd "$registry/$crate" && find . -type f \( -name '*.rs' -o -name '*.md' -o -name '*.toml' \) -size -1024k -print0 |
      tar --null -T - -cf -) | tar -xf - -C "$corpus/$crate"
    total=$((total + size))
    [ "$total" -ge "$limit" ] && break
  done
  mv "$corpus" "$final"
  corpus=$final
  echo "corpus: $(find "$corpus" -type f | wc -l) files, $((total / 1000000)) MB in $corpus" >&2
fi

rm -rf "$index"
start=$(date +%s%N)
"$bin" index "$corpus" --index "$index" --release r0 >/dev/null
echo "cold index: $(since "$start") s"

files=$(find "$corpus" -type f \( -name '*.rs' -o -name '*.md' -o -name '*.toml' \) | sort)
count=$(echo "$files" | wc -l)
touch_n=$((count * percent / 100))
for release in 1 2 3; do
  # A different 1% each time: every 100th file, offset by the release.
  echo "$files" | awk -v n="$touch_n" -v off="$release" 'NR % 100 == off && c < n {print; c++}' |
    while read -r f; do printf '\n// release %s\n' "$release" >> "$f"; done
  start=$(date +%s%N)
  "$bin" index "$corpus" --index "$index" --release "r$release" --json > "$work/report-$release.json"
  took=$(since "$start")
  parsed=$(python3 -c "import json; r=json.load(open('$work/report-$release.json')); print(r['files_parsed'], r['files'], round(r['bytes_parsed']/1e6, 2))")
  echo "release r$release: $took s (files parsed, in index, MB parsed: $parsed)"
done
