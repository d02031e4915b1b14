#!/usr/bin/env bash
# Time of `analyze topics` on corpora below 20,000 articles, where k-means fits every article (no
# mini-batches; above 10,000 articles `-k auto` ranks k on a sample): the first 1,000, 5,000 and 15,000
# records of news_34k and cnews_1000,
# with -k 20 and with -k auto (the default). Given another build of `analyze`, runs both alternately
# (ours, theirs, ours, theirs, ours) and prints the medians (of two: the faster) and their ratio; otherwise
# ours three times.
# Usage: benches/small_corpora.sh [OTHER_ANALYZE_BINARY]
set -euo pipefail
cd "$(dirname "$0")/.."
news=../shared/corpora/news_34k.jsonl
cnews=../shared/corpora/cnews_1000.jsonl
[ -f "$news" ] && [ -f "$cnews" ] || { echo "skipped: $news or $cnews is absent"; exit 0; }
other=${1:-}
cargo build --release -q --bin analyze
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp target/release/analyze "$tmp/ours"
[ -n "$other" ] && cp "$other" "$tmp/theirs"
for n in 1000 5000 15000; do head -n "$n" "$news" > "$tmp/news_$n.jsonl"; done
cp "$cnews" "$tmp/cnews_1000.jsonl"
seconds() {
  /usr/bin/time -f "%e" "$tmp/$1" topics "$2" -k "$3" -q --format none -o "$tmp/out_$1" 2>&1 >/dev/null | tail -1
}
median() { tr ' ' '\n' | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
printf '%-18s %5s %10s %10s %7s\n' corpus k ours theirs ratio
for corpus in news_1000 news_5000 news_15000 cnews_1000; do
  for k in 20 auto; do
    ours=() theirs=()
    for round in 1 2 3; do
      ours+=("$(seconds ours "$tmp/$corpus.jsonl" "$k")")
      if [ -n "$other" ] && [ "$round" -lt 3 ]; then
        theirs+=("$(seconds theirs "$tmp/$corpus.jsonl" "$k")")
      fi
    done
    a=$(echo "${ours[*]}" | median)
    if [ -n "$other" ]; then
      b=$(echo "${theirs[*]}" | median)
      printf '%-18s %5s %9.2fs %9.2fs %6.1fx\n' "$corpus" "$k" "$a" "$b" "$(echo "$b / $a" | bc -l)"
    else
      printf '%-18s %5s %9.2fs\n' "$corpus" "$k" "$a"
    fi
  done
done
