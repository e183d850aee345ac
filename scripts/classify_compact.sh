#!/usr/bin/env bash
# The compact network on seed 000's experiments, split by simulation (the headline protocol):
# one run per experiment and training seed with the `compact` preset (src/train/class_experiment.rs,
# ClassRunConfig::compact). Data: 6,000 images of 64 × 64 per experiment (data seed 11, as
# scripts/classify_medium.sh). Run folders: target/class_runs/<experiment>_compact_s<seed>/;
# metrics.json is copied to results/classification/compact/<experiment>_s<seed>.json and the
# weights (model.bpk + model.json, ~1.2 MB) to results/classification/weights/ (classify evaluate
# --model and notebooks load them).
# A killed run continues with: target/debug/galaxy-lab classify train --resume <run folder>.
# Usage: scripts/classify_compact.sh "SEEDS" [EXPERIMENTS...]   (defaults: "0 1 2", the paper's
# three; six-class-spin, the spin classes the paper proposes, runs when named)
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-0 1 2}; shift $(( $# > 0 ? 1 : 0 ))
EXPERIMENTS=${*:-two-class three-class nine-class}
# BIN=path runs an already built binary (e.g. a copy, so that rebuilding during a long queue of
# runs does not change the code of the runs still to come).
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
D=data/generated/classify
R=target/class_runs
mkdir -p "$D" "$R" results/classification/compact results/classification/weights
for e in $EXPERIMENTS; do
  [ -f "$D/$e.h5" ] || $BIN pairs generate --experiment "$e" --count 6000 --size 64 --seed 11 --out "$D/$e.h5"
  for s in $SEEDS; do
    out="$R/${e}_compact_s$s"
    if [ -f "$out/metrics.json" ]; then echo "done already: $out"; continue; fi
    if [ -f "$out/run.json" ]; then
      $BIN classify train --resume "$out"
    else
      $BIN classify train --experiment "$e" --data "$D/$e.h5" --preset compact --seed "$s" --out "$out"
    fi
    W=results/classification/weights/${e}_compact_s$s
    cp "$out/model.bpk" "$W.bpk.tmp" && mv "$W.bpk.tmp" "$W.bpk"
    cp "$out/model.json" "$W.json.tmp" && mv "$W.json.tmp" "$W.json"
    cp "$out/metrics.json" "results/classification/compact/${e}_s$s.json.tmp"
    mv "results/classification/compact/${e}_s$s.json.tmp" "results/classification/compact/${e}_s$s.json"
  done
done
