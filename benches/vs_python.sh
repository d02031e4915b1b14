#!/usr/bin/env bash
# Our binary against the usual Python pipeline (jieba + scikit-learn, installed into a throw-away venv) on the
# same JSONL, run A B A B (ours and segmentation alone three times a round). Prints each run's stage times
# and peak memory (/usr/bin/time -v), the medians, the speed ratio, and how our whole run compares with
# segmentation alone (examples/segment_only: the same reading and segmenting, nothing else). With a label
# field, the NMI of both at the same k.
# Each timed run of ours and of segmentation alone comes right after an untimed run of the same program, so
# that both find memory in the same state: on a virtual machine that hands freed memory back to its host,
# the first touch of such a page faults on the host too, and the run after a smaller program paid for the
# pages that program did not use (see benches/ratio.sh).
# Usage: benches/vs_python.sh [FILE] [K] [LABEL_FIELD]   (default ../shared/corpora/news_34k.jsonl 20)
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-../shared/corpora/news_34k.jsonl}
k=${2:-20}
label=${3:-}
[ -f "$file" ] || { echo "skipped: $file is absent"; exit 0; }
venv=$(mktemp -d)/venv
python3 -m venv "$venv"
"$venv/bin/pip" install -q jieba==0.42.1 scikit-learn
cargo build --release -q --bin analyze --example segment_only
tmp=$(mktemp -d)
cp target/release/analyze target/release/examples/segment_only "$tmp/"
out=$(mktemp -d)
secs() { awk -F: '{ s = 0; for (i = 1; i <= NF; i++) s = s * 60 + $i; printf "%.2f\n", s }'; }
ours() {
  "$tmp/analyze" topics "$file" -k "$k" --format none -q -o "$out/r" 2> /dev/null
  /usr/bin/time -v "$tmp/analyze" topics "$file" -k "$k" --format none -q --timings -o "$out/r" 2> "$out/ours.err"
  total=$(grep "Elapsed (wall clock)" "$out/ours.err" | awk '{print $NF}' | secs)
  rss=$(grep "Maximum resident" "$out/ours.err" | awk '{print $NF}')
  stages=$(grep "^timing" "$out/ours.err" | awk '{printf "%s %s  ", $2, $3}')
  echo "ours     total ${total} s  peak ${rss} KB  [$stages]"
  echo "$total" >> "$out/ours.times"
}
segment_only() {
  "$tmp/segment_only" "$file" > /dev/null 2>&1
  /usr/bin/time -v "$tmp/segment_only" "$file" > /dev/null 2> "$out/seg.err"
  total=$(grep "Elapsed (wall clock)" "$out/seg.err" | awk '{print $NF}' | secs)
  echo "segment-only total ${total} s"
  echo "$total" >> "$out/seg.times"
}
python_run() {
  /usr/bin/time -v "$venv/bin/python" benches/pipeline.py "$file" "$k" "$label" > "$out/py.json" 2> "$out/py.err"
  total=$(grep "Elapsed (wall clock)" "$out/py.err" | awk '{print $NF}' | secs)
  rss=$(grep "Maximum resident" "$out/py.err" | awk '{print $NF}')
  echo "python   total ${total} s  peak ${rss} KB (largest process)  $(cat "$out/py.json")"
  echo "$total" >> "$out/py.times"
}
# Python takes minutes, ours seconds: each round runs ours and segmentation alone three times, alternating,
# so that one slow moment of this shared machine does not decide our medians.
for round in 1 2; do
  for repeat in 1 2 3; do ours; segment_only; done
  python_run
done
python3 - "$out" <<'PY'
import statistics, sys
d = sys.argv[1]
med = lambda name: statistics.median(float(l) for l in open(f"{d}/{name}.times"))
o, s, p = med("ours"), med("seg"), med("py")
print(f"median wall clock: ours {o:.2f} s, segmentation alone {s:.2f} s, python {p:.2f} s")
print(f"python / ours = {p / o:.1f}x faster;  ours / segmentation alone = {o / s:.2f}x")
PY
if [ -n "$label" ]; then
  "$tmp/analyze" evaluate "$file" -k "$k" --label-field "$label" --seeds 0..3 | grep -E "^(seed|mean)"
fi
