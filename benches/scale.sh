#!/usr/bin/env bash
# Time and peak memory of `analyze topics -k 20` as the corpus grows: news_34k as it is, and repeated to
# 341,600 and 1,000,000 records (about 0.8 and 2.3 GB). Each copy gets unique ids and a copy number in
# front of its text (digits are not content words, so the words stay those of the original, but the
# duplicate check does not drop the copy). The files go to a temporary folder and are deleted at the end.
# With AS=csv the copies are written as CSV (id, source, date, title, text) instead of JSONL, with AS=json as
# one JSON array of records; with
# ENCODING=utf-16 (or gb18030, any Python codec) they are written in that encoding instead of UTF-8. With
# FORMAT=svg,png,html (the default of `analyze topics`) the charts and the page are made too; without it, none.
# With COMPRESS=gz or zst the copies are compressed (gzip -6, zstd -3) and read compressed.
# Usage: [AS=csv] [ENCODING=…] [FORMAT=…] [COMPRESS=gz|zst] benches/scale.sh [FILE] [SIZES...]
#        (default ../shared/corpora/news_34k.jsonl 341600 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-../shared/corpora/news_34k.jsonl}
shift || true
sizes=${*:-341600 1000000}
as=${AS:-jsonl}
encoding=${ENCODING:-utf-8}
format=${FORMAT:-none}
compress=${COMPRESS:-}
[ -f "$file" ] || { echo "skipped: $file is absent"; exit 0; }
cargo build --release -q --bin analyze
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cp target/release/analyze "$tmp/"
run() {
  /usr/bin/time -v "$tmp/analyze" topics "$1" -k 20 --format "$format" -q --timings -o "$tmp/out" 2> "$tmp/err"
  n=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["meta"]["counts"]["articles"])' "$tmp/out/topics.json")
  wall=$(grep "Elapsed (wall clock)" "$tmp/err" | awk '{print $NF}' | awk -F: '{s=0; for(i=1;i<=NF;i++) s=s*60+$i; print s}')
  rss=$(grep "Maximum resident" "$tmp/err" | awk '{print $NF}')
  awk -v r="$2" -v n="$n" -v w="$wall" -v m="$rss" \
    'BEGIN { printf "%9s records  %9d articles  %8.1f s  %6.1f us/article  peak %7.0f MB\n", r, n, w, w * 1e6 / n, m / 1024 }'
  grep "^timing" "$tmp/err" | awk '{printf "%s %s  ", $2, $3} END {print ""}'
}
run "$file" "$(wc -l < "$file")"
for size in $sizes; do
  python3 - "$file" "$size" "$tmp/big.$as" "$encoding" <<'PY'
import csv, json, sys
src, n, out, encoding = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
lines = [l for l in open(src, encoding="utf-8") if l.strip()]
columns = ["id", "source", "date", "title", "text"]
with open(out, "w", encoding=encoding, newline="") as f:
    table = csv.writer(f) if out.endswith(".csv") else None
    array = out.endswith(".json")
    if table:
        table.writerow(columns)
    if array:
        f.write("[\n")
    for i in range(n):
        copy, r = divmod(i, len(lines))
        rec = json.loads(lines[r])
        rec["id"] = f"{rec.get('id', r)}#{copy}"
        rec["text"] = f"[{copy}] {rec['text']}"
        if table:
            table.writerow([rec.get(c, "") for c in columns])
        elif array:
            f.write((",\n" if i else "") + json.dumps(rec, ensure_ascii=False))
        else:
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    if array:
        f.write("\n]\n")
PY
  big="$tmp/big.$as"
  case "$compress" in
    gz) gzip -6 "$big"; big="$big.gz" ;;
    zst) zstd -q -3 --rm "$big"; big="$big.zst" ;;
  esac
  run "$big" "$size"
  rm -f "$big"
done
