#!/usr/bin/env bash
# What subnormal ("denormal") f32 arithmetic costs a training run, and what galaxy-lab's cure
# (src/train/subnormal.rs: weights below 1.18e-38 set to zero after every step) recovers: resumes
# three copies of a checkpointed run folder trained with subnormals kept (runs committed before
# 2026-12-06, or `--keep-subnormals`) for SECONDS each, one thread:
#   kept  — as the run was configured;
#   flush — the copy's configuration switched to flush_subnormals (run.json and the checkpoint);
#   ftz   — kept, with the CPU's flush-to-zero and denormals-are-zero modes set (LD_PRELOAD of
#           bench/ftz.c, built here with cc): the hardware's answer, undefined behaviour in Rust,
#           so only a yardstick here.
# and prints the seconds per epoch of each and their ratios. The run folder itself is not touched.
# Usage: bench/denormals.sh "q train" target/q_runs/<run> [SECONDS]   (or "classify train", "theta train")
# Measured 2026-12-06 (2-core Intel Xeon VM, incl_90_s2's epoch-41 checkpoint, 90 s each, nothing
# else running): kept 16.50 s per epoch, flush 7.09 s, ftz 6.50 s (ratios 2.33 and 2.54); the same
# run's first epochs took 6-8 s.
set -euo pipefail
cd "$(dirname "$0")/.."
CMD=${1:?'usage: bench/denormals.sh "q train" RUN_DIR [SECONDS]'}; RUN=${2:?RUN_DIR}; SECS=${3:-90}
[ -d "$RUN/checkpoint" ] || { echo "no checkpoint in $RUN: resume needs a run stopped before its end" >&2; exit 2; }
BIN=${BIN:-target/debug/galaxy-lab}
PY=${PY:-python3}
T=$(mktemp -d); trap 'rm -rf "$T"' EXIT
cc -O2 -shared -fPIC bench/ftz.c -o "$T/ftz.so"
per_epoch() {  # seconds per epoch from the cumulative "(N s)" of the epoch lines, first line dropped
  grep -o '[0-9.]* s)$' "$1" | tr -d ' s)' | awk 'NR>1{d=$1-p; n++; t+=d} {p=$1} END{if(n) printf "%.2f", t/n; else print "nan"}'
}
declare -A secs
for v in kept flush ftz; do
  cp -r "$RUN" "$T/$v"
  pre=""; [ $v = ftz ] && pre="$T/ftz.so"
  if [ $v = flush ]; then
    "$PY" - "$T/$v" <<'PYEOF'
import json, pathlib, sys
run = pathlib.Path(sys.argv[1])
def switch(path, keys):
    d = json.loads(path.read_text())
    node = d
    for k in keys:
        node = node[k]
    if node.get("flush_subnormals"):
        sys.exit(f"{path}: the run already flushes subnormals; nothing to compare")
    node["flush_subnormals"] = True
    path.write_text(json.dumps(d))
switch(run / "run.json", ["config", "train"])
for state in (run / "checkpoint").glob("*/epoch-*/state.json"):
    switch(state, ["config"])
PYEOF
  fi
  LD_PRELOAD=$pre RAYON_NUM_THREADS=1 timeout "$SECS" $BIN $CMD --resume "$T/$v" > "$T/$v.log" 2>&1 || true
  secs[$v]=$(per_epoch "$T/$v.log")
  echo "$v: $(grep -c '^epoch' "$T/$v.log") epochs, ${secs[$v]} s per epoch"
done
awk -v a="${secs[kept]}" -v b="${secs[flush]}" -v c="${secs[ftz]}" \
  'BEGIN{printf "ratio kept / flush: %.2f; kept / ftz: %.2f\n", a/b, a/c}'
