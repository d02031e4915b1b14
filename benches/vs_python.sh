#!/usr/bin/env bash
# Our binary against the usual Python pipeline (jieba + scikit-learn, installed into a throw-away venv) on the
# same JSONL, run A B A B, printing each run's stage times, peak memory (/usr/bin/time -v), medians and the
# ratio; with a label field, the NMI of both.
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
cargo build --release -q
bin=$(mktemp -d)/analyze
cp target/release/analyze "$bin"
out=$(mktemp -d)
ours() {
  /usr/bin/time -v "$bin" topics "$file" -k "$k" --format none -q --timings -o "$out/r" 2> "$out/ours.err"
  total=$(grep "Elapsed (wall clock)" "$out/ours.err" | awk '{print $NF}')
  rss=$(grep "Maximum resident" "$out/ours.err" | awk '{print $NF}')
  seg=$(grep "timing segment" "$out/ours.err" | awk '{print $3}')
  echo "ours   total $total  segment ${seg}s  peak ${rss} KB"
  echo "$total" >> "$out/ours.times"
}
python_run() {
  /usr/bin/time -v "$venv/bin/python" benches/pipeline.py "$file" "$k" "$label" > "$out/py.json" 2> "$out/py.err"
  rss=$(grep "Maximum resident" "$out/py.err" | awk '{print $NF}')
  echo "python $(cat "$out/py.json")  peak ${rss} KB"
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["total"])' "$out/py.json" >> "$out/py.times"
}
ours; python_run; ours; python_run
python3 - "$out" <<'PY'
import statistics, sys
def secs(t):
    parts = [float(p) for p in t.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
d = sys.argv[1]
ours = [secs(l.strip()) for l in open(d + "/ours.times")]
py = [float(l) for l in open(d + "/py.times")]
mo, mp = statistics.median(ours), statistics.median(py)
print(f"median: ours {mo:.2f} s, python {mp:.2f} s (python's total excludes interpreter start), ratio {mp / mo:.1f}x")
PY
