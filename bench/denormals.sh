#!/usr/bin/env bash
# What subnormal ("denormal") f32 arithmetic costs a training run: resumes a copy of a checkpointed
# run folder twice for SECONDS each, one thread, once as it is and once with flush-to-zero and
# denormals-are-zero set (LD_PRELOAD of bench/ftz.c, built here with cc), and prints the seconds
# per epoch of each and their ratio. The run folders themselves are not touched.
# Usage: bench/denormals.sh "q train" target/q_runs/<run> [SECONDS]   (or "classify train", "theta train")
# Measured 2026-12-06 (stop 43, 2-core Intel Xeon VM) on incl_90_s2's epoch-35 checkpoint:
# 16.0 s per epoch as it is, 6.70 s with FTZ/DAZ (ratio 2.39, `bench/denormals.sh "q train"
# target/q_runs/incl_90_s2 80`); the same run's first epochs took 6-8 s as it is.
set -euo pipefail
cd "$(dirname "$0")/.."
CMD=${1:?'usage: bench/denormals.sh "q train" RUN_DIR [SECONDS]'}; RUN=${2:?RUN_DIR}; SECS=${3:-90}
[ -d "$RUN/checkpoint" ] || { echo "no checkpoint in $RUN: resume needs a run stopped before its end" >&2; exit 2; }
BIN=${BIN:-target/debug/galaxy-lab}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cc -O2 -shared -fPIC bench/ftz.c -o "$T/ftz.so"
per_epoch() {  # seconds per epoch from the cumulative "(N s)" of the epoch lines, first line dropped
  grep -o '[0-9.]* s)$' "$1" | tr -d ' s)' | awk 'NR>1{d=$1-p; n++; t+=d} {p=$1} END{if(n) printf "%.2f", t/n; else print "nan"}'
}
declare -A secs
for v in plain ftz; do
  cp -r "$RUN" "$T/$v"
  pre=""; [ $v = ftz ] && pre="$T/ftz.so"
  LD_PRELOAD=$pre RAYON_NUM_THREADS=1 timeout "$SECS" $BIN $CMD --resume "$T/$v" > "$T/$v.log" 2>&1 || true
  secs[$v]=$(per_epoch "$T/$v.log")
  echo "$v: $(grep -c '^epoch' "$T/$v.log") epochs, ${secs[$v]} s per epoch"
done
awk -v a="${secs[plain]}" -v b="${secs[ftz]}" 'BEGIN{printf "ratio plain / ftz: %.2f\n", a/b}'
