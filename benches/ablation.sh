#!/usr/bin/env bash
# Cluster quality ablation: each lever of the pipeline switched alone, scored with `analyze evaluate`
# (mean and worst NMI over seeds, k = 10) on a labelled JSONL file.
# Usage: benches/ablation.sh [FILE] [SEEDS]   (default ../shared/corpora/cnews_1000.jsonl, 0..10)
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-../shared/corpora/cnews_1000.jsonl}
seeds=${2:-0..10}
[ -f "$file" ] || { echo "skipped: $file is absent"; exit 0; }
cargo build --release -q
# A private copy, so that a rebuild during the run cannot mix two versions in one table.
bin=$(mktemp -d)/analyze
cp target/release/analyze "$bin"
printf '%-34s %8s %8s %8s %8s\n' variant "mean NMI" "min NMI" "mean ARI" seconds
while IFS='|' read -r name flags; do
  start=$(date +%s.%N)
  # shellcheck disable=SC2086
  json=$("$bin" evaluate "$file" -k 10 --seeds "$seeds" --json $flags)
  secs=$(echo "$(date +%s.%N) - $start" | bc)
  python3 -c 'import json,sys; e=json.loads(sys.argv[1]); print("%-34s %8.4f %8.4f %8.4f %8.1f" % (sys.argv[2], e["mean"]["nmi"], e["min"]["nmi"], e["mean"]["ari"], float(sys.argv[3])))' "$json" "$name" "$secs"
done <<'VARIANTS'
default|
Euclidean k-means (no spherical step)|--euclidean
Euclidean, 10 runs|--euclidean --runs 10
LSA 50 dimensions|--dims 50
LSA 200 dimensions|--dims 200
10 k-means runs|--runs 10
1 k-means run|--runs 1
jieba HMM on|--hmm
every part of speech|--all-words
place names kept|--keep-places
raw tf (not sublinear)|--raw-tf
max_df 0.3|--max-df 0.3
min_df 5|--min-df 5
VARIANTS
