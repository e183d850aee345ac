#!/usr/bin/env bash
# The committed classifiers on 6,000 new encounters (data seed 2026, the settings of the 6,000-image
# training files) with their errors on i against the mirror degeneracy of projected discs
# (src/sim/pair/mirror.rs, src/train/class_mirror.rs): classify evaluate writes eval.json with a
# `mirror` field, copied to results/classification/mirror/<experiment>_<preset>_s<seed>.json.
# Weights: results/classification/weights/ (scripts/classify_compact.sh).
# Usage: scripts/classify_mirror.sh [MODELS...]   (default: two-class_compact-long
# three-class_compact-long nine-class_compact; seeds 0 1 2 of each)
# BIN=path runs an already built binary instead of building target/debug/galaxy-lab.
set -euo pipefail
cd "$(dirname "$0")/.."
MODELS=${*:-two-class_compact-long three-class_compact-long nine-class_compact}
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
D=data/generated/classify
M=results/classification/mirror
mkdir -p "$D" "$M"
for m in $MODELS; do
  e=${m%%_*}
  f="$D/${e}_fresh2026.h5"
  [ -f "$f" ] || $BIN pairs generate --experiment "$e" --count 6000 --size 64 --seed 2026 --out "$f"
  for s in 0 1 2; do
    out=target/class_runs/mirror/${m}_s$s
    $BIN classify evaluate --model "results/classification/weights/${m}_s$s.bpk" --data "$f" --out "$out"
    cp "$out/eval.json" "$M/${m}_s$s.json.tmp" && mv "$M/${m}_s$s.json.tmp" "$M/${m}_s$s.json"
  done
done
# The three-class networks on the file they were trained on (64 % of its images trained on, the
# rest their validation and test encounters): results/classification/mirror/training-file/.
if [[ " $MODELS " == *" three-class_compact-long "* ]]; then
  mkdir -p "$M/training-file"
  # The training file of scripts/classify_compact.sh (data seed 11).
  [ -f "$D/three-class.h5" ] || $BIN pairs generate --experiment three-class --count 6000 --size 64 --seed 11 --out "$D/three-class.h5"
  for s in 0 1 2; do
    out=target/class_runs/mirror/training-file_three-class_compact-long_s$s
    $BIN classify evaluate --model "results/classification/weights/three-class_compact-long_s$s.bpk" --data "$D/three-class.h5" --out "$out"
    cp "$out/eval.json" "$M/training-file/three-class_compact-long_s$s.json.tmp"
    mv "$M/training-file/three-class_compact-long_s$s.json.tmp" "$M/training-file/three-class_compact-long_s$s.json"
  done
fi
