#!/usr/bin/env bash
# The compact network on seed 000's experiments, split by simulation (the headline protocol):
# one run per experiment and training seed with the `compact` preset (src/train/class_recipe.rs,
# ClassRunConfig::compact). Data: 6,000 images of 64 × 64 per experiment (data seed 11, as
# scripts/classify_medium.sh). Run folders: target/class_runs/<experiment>_compact_s<seed>/;
# metrics.json is copied to results/classification/compact/<experiment>_s<seed>.json, the
# weights (model.bpk + model.json, ~1.2 MB) and the learning curves (history.json, ~5 KB) to
# results/classification/weights/ (classify evaluate --model and notebooks load them).
# A killed run continues with: target/debug/galaxy-lab classify train --resume <run folder>.
# Usage: scripts/classify_compact.sh "SEEDS" [EXPERIMENTS...]   (defaults: "0 1 2", the paper's
# three; six-class-spin, the spin classes the paper proposes, runs when named)
# PRESET=compact-long runs that preset instead (twice the updates): run folders
# <experiment>_compact-long_s<seed>, metrics under results/classification/compact_long/;
# PRESET=compact-wide the compact recipe at width 1.5 (results/classification/compact_wide/);
# PRESET=compact-wide-long width 1.5 for twice the updates (results/classification/compact_wide_long/).
# COUNT=N generates and trains on N images instead of 6,000 (same data seed, N/6 simulations):
# data file <experiment>_n<N>.h5, run folders and result names with _n<N> after the experiment.
# The updates per run stay the preset's (steps per epoch are fixed), so so does the wall time.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-0 1 2}; shift $(( $# > 0 ? 1 : 0 ))
EXPERIMENTS=${*:-two-class three-class nine-class}
# BIN=path runs an already built binary (e.g. a copy, so that rebuilding during a long queue of
# runs does not change the code of the runs still to come).
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
PRESET=${PRESET:-compact}
case "$PRESET" in compact|compact-long|compact-wide|compact-wide-long) ;; *) echo "PRESET must be compact, compact-long, compact-wide or compact-wide-long, not $PRESET" >&2; exit 2;; esac
COUNT=${COUNT:-6000}
case "$COUNT" in ''|*[!0-9]*) echo "COUNT must be a number of images, not $COUNT" >&2; exit 2;; esac
# The 6,000-image runs keep their names; other sizes say theirs.
if [ "$COUNT" = 6000 ]; then N=; else N=_n$COUNT; fi
M=results/classification/${PRESET//-/_}
D=data/generated/classify
R=target/class_runs
mkdir -p "$D" "$R" "$M" results/classification/weights
for e in $EXPERIMENTS; do
  f="$D/$e$N.h5"
  [ -f "$f" ] || $BIN pairs generate --experiment "$e" --count "$COUNT" --size 64 --seed 11 --out "$f"
  for s in $SEEDS; do
    out="$R/${e}${N}_${PRESET}_s$s"
    if [ -f "$out/metrics.json" ]; then echo "done already: $out"; continue; fi
    if [ -f "$out/run.json" ]; then
      $BIN classify train --resume "$out"
    else
      $BIN classify train --experiment "$e" --data "$f" --preset "$PRESET" --seed "$s" --out "$out"
    fi
    W=results/classification/weights/${e}${N}_${PRESET}_s$s
    cp "$out/model.bpk" "$W.bpk.tmp" && mv "$W.bpk.tmp" "$W.bpk"
    cp "$out/model.json" "$W.json.tmp" && mv "$W.json.tmp" "$W.json"
    cp "$out/history.json" "$W.history.json.tmp" && mv "$W.history.json.tmp" "$W.history.json"
    cp "$out/metrics.json" "$M/${e}${N}_s$s.json.tmp"
    mv "$M/${e}${N}_s$s.json.tmp" "$M/${e}${N}_s$s.json"
  done
done
