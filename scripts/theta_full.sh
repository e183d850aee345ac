#!/usr/bin/env bash
# Full-size θ runs (issue: θ regression, seed 000 Table 5 / Case 4): the paper's 181-view experiment
# at 256 × 256 (i = 45°, gSa–gSa, θ = −90…90° in 1° steps, 70/30 with test monitoring, 3-channel
# Table 5 network, Adam 0.001 with decay 0.01, MSE) and our joint (i, |θ|) Gaussian regression on a
# continuous set. Run folders go to target/theta_runs/; metrics.json is copied to
# results/theta/<run>.json (what notebook 08 and README quote); the joint run's test predictions
# go to results/theta/joint_test_predictions.csv (notebook 08's per-region table); each run's network
# goes to results/theta/weights/<run>.bpk (+ .json, .history.json).
# Recipes: the presets paper-theta and joint-committed (src/train/theta_experiment.rs). The joint
# run (preset joint-committed, results/theta/joint.json) trains on 24,000 images of 64 × 64 (data
# seed 7, counts 15,360 / 3,840 / 4,800), in data/generated/theta_full/joint_24000.h5; the
# joint-compact runs below on 20,000 (data seed 7), in data/generated/theta_full/joint.h5 (the
# path the committed joint.json names: it was written with 24,000 images before the compact runs
# replaced it).
# joint-compact: the joint model on the compact classifier's body with the classification recipe
# (preset joint-compact), training seeds SEEDS (default 0), on the same joint set; each run's
# metrics go to results/theta/joint_compact_s<seed>.json. A killed run continues when the same
# command is run again. joint-compact-long: the same for twice the updates (preset joint-compact-long,
# results/theta/joint_compact_long_s<seed>.json); joint-compact-wide-long: that on the compact body at
# width 1.5 (results/theta/joint_compact_wide_long_s<seed>.json). BIN=path runs an already built binary.
# SEEDS also sets the training seeds of paper (seed 0: results/theta/paper_theta.json, others
# paper_theta_s<seed>.json).
# Usage: [SEEDS="0 1 2"] scripts/theta_full.sh [RUNS...]   (default: paper joint)
set -euo pipefail
cd "$(dirname "$0")/.."
NJOINT=20000; JSIZE=64
RUNS=${*:-paper joint}
D=data/generated/theta_full
R=target/theta_runs
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
mkdir -p "$D" "$R" results/theta/weights
# copy RUN: metrics to results/theta/RUN.json; the network (model.bpk + model.json) and its learning
# curves (history.json) to results/theta/weights/RUN.* (theta evaluate --model and notebook 08 load them).
copy() {
  cp "$R/$1/metrics.json" "results/theta/$1.json.tmp"; mv "results/theta/$1.json.tmp" "results/theta/$1.json"
  W=results/theta/weights/$1
  for f in model.bpk:bpk model.json:json history.json:history.json; do
    cp "$R/$1/${f%%:*}" "$W.${f#*:}.tmp"; mv "$W.${f#*:}.tmp" "$W.${f#*:}"
  done
}
if [[ " $RUNS " == *" paper "* ]]; then
  [ -f "$D/theta.h5" ] || $BIN pairs generate --experiment theta --count 181 --size 256 --seed 45 --out "$D/theta.h5"
  for s in ${SEEDS:-0}; do
    run=paper_theta; [ "$s" = 0 ] || run=paper_theta_s$s
    # A folder left by a run from before the preset took Keras's initialisation (2026-12-06)
    # would be reported done or resumed, and copied over the committed results: refuse it.
    if [ -f "$R/$run/run.json" ] && ! grep -q '"keras_init": *true' "$R/$run/run.json"; then
      echo "$R/$run was trained with burn's initialisation, not the paper-theta preset's: move it away first" >&2; exit 2
    fi
    if [ -f "$R/$run/metrics.json" ]; then echo "done already: $R/$run"
    elif [ -f "$R/$run/run.json" ]; then $BIN theta train --resume "$R/$run"
    else $BIN theta train --data "$D/theta.h5" --preset paper-theta --seed "$s" --out "$R/$run"
    fi
    copy "$run"
  done
fi
if [[ " $RUNS " == *" joint "* ]]; then
  [ -f "$D/joint_24000.h5" ] || $BIN pairs generate --experiment joint --count 24000 --size "$JSIZE" --seed 7 --out "$D/joint_24000.h5"
  $BIN theta train --data "$D/joint_24000.h5" --preset joint-committed --seed 0 --out "$R/joint"
  copy joint
  cp "$R/joint/test_predictions.csv" results/theta/joint_test_predictions.csv.tmp
  mv results/theta/joint_test_predictions.csv.tmp results/theta/joint_test_predictions.csv
fi
for preset in joint-compact joint-compact-long joint-compact-wide-long; do
  if [[ " $RUNS " == *" $preset "* ]]; then
    [ -f "$D/joint.h5" ] || $BIN pairs generate --experiment joint --count "$NJOINT" --size "$JSIZE" --seed 7 --out "$D/joint.h5"
    for s in ${SEEDS:-0}; do
      run="${preset//-/_}_s$s"
      if [ -f "$R/$run/metrics.json" ]; then echo "done already: $R/$run"
      elif [ -f "$R/$run/run.json" ]; then $BIN theta train --resume "$R/$run"
      else $BIN theta train --data "$D/joint.h5" --preset "$preset" --seed "$s" --out "$R/$run"
      fi
      copy "$run"
    done
  fi
done
