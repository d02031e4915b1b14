#!/usr/bin/env bash
# The whole run against segmentation alone (examples/segment_only: the same streamed reading and jieba-rs
# segmentation on every core, nothing else), the speed target of issue 5: `analyze topics FILE -k 20 --format
# none` within 1.5x of it. Runs the two alternately and prints each run, the medians and the ratio.
#
# Both are timed in the same state of memory. On a virtual machine that hands freed memory back to its host
# (virtio-balloon free page reporting, as on the machines this project is measured on), the first touch of a
# page the host has taken back costs a fault on the host too: a run after an idle pause spent 0.6-0.9 s more
# in the kernel than one right after another run. Run back to back, each program would start right after the
# other, and the larger would pay for the pages the smaller did not use. So:
#   MODE=warm (default): each timed run comes right after an untimed run of the same program, as when a
#                        command is run again;
#   MODE=cold:           each timed run comes after a pause of PAUSE seconds (default 8), as a first run.
# Usage: benches/ratio.sh [FILE] [RUNS]   (default ../shared/corpora/news_34k.jsonl, 10 runs of each)
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-../shared/corpora/news_34k.jsonl}
runs=${2:-10}
mode=${MODE:-warm}
pause=${PAUSE:-8}
[ -f "$file" ] || { echo "skipped: $file is absent"; exit 0; }
cargo build --release -q --bin analyze --example segment_only
tmp=$(mktemp -d)
cp target/release/analyze target/release/examples/segment_only "$tmp/"
ours=("$tmp/analyze" topics "$file" -k 20 --format none -q -o "$tmp/r")
alone=("$tmp/segment_only" "$file")
timed() {
  # prints: wall user system peak-KB
  /usr/bin/time -f "%e %U %S %M" "$@" 2>&1 >/dev/null | tail -1
}
run() {
  local name=$1; shift
  case $mode in
    warm) "$@" > /dev/null 2>&1 ;;
    cold) sleep "$pause" ;;
    *) echo "MODE is warm or cold"; exit 2 ;;
  esac
  read -r wall user sys peak <<< "$(timed "$@")"
  printf "%-18s %6.2f s  user %5.2f  sys %5.2f  peak %4d MB\n" "$name" "$wall" "$user" "$sys" $((peak / 1024))
  echo "$wall" >> "$tmp/$name.times"
}
echo "$mode runs, $runs of each, alternating, on $file"
for i in $(seq "$runs"); do
  # ABBA: neither program always goes first.
  if [ $((i % 2)) = 1 ]; then
    run segmentation "${alone[@]}"; run whole "${ours[@]}"
  else
    run whole "${ours[@]}"; run segmentation "${alone[@]}"
  fi
done
python3 - "$tmp" <<'PY'
import statistics, sys
d = sys.argv[1]
times = lambda name: [float(l) for l in open(f"{d}/{name}.times")]
whole, alone = times("whole"), times("segmentation")
w, s = statistics.median(whole), statistics.median(alone)
print(f"median: whole run {w:.3f} s, segmentation alone {s:.3f} s, ratio {w / s:.2f}x (target 1.5x)")
# Each round's two runs are neighbours in time: their ratios show how far the machine's drift moves it.
rounds = sorted(a / b for a, b in zip(whole, alone))
if len(rounds) >= 4:
    q = statistics.quantiles(rounds, n=4)
    print(f"ratio within each round: median {statistics.median(rounds):.2f}x, quartiles {q[0]:.2f}-{q[2]:.2f}x, "
          f"range {rounds[0]:.2f}-{rounds[-1]:.2f}x")
PY
