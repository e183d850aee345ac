#!/usr/bin/env bash
# The seed's 2-, 3- and 9-class experiments at a scale two CPU cores can train (issue: classification):
# 6,000 images of 64 × 64 from 1,000 simulations of 20,000 particles per experiment, AlexNet at 1/4
# width (padded), the seed's augmentation, SGD 0.01 with 1 % decay and momentum 0.9, 40 epochs
# of 80 batches of 32, split by simulation (the preset alexnet-cpu, ClassRunConfig::alexnet_cpu). Run folders go to target/class_runs/<experiment>/;
# metrics.json is copied to results/classification/<experiment>.json (notebooks 05–07 read them).
# Usage: scripts/classify_medium.sh [EXPERIMENTS...]   (default: all three)
set -euo pipefail
cd "$(dirname "$0")/.."
EXPERIMENTS=${*:-two-class three-class nine-class}
BIN=target/debug/galaxy-lab
D=data/generated/classify
R=target/class_runs
cargo build --bin galaxy-lab
mkdir -p "$D" "$R" results/classification
for e in $EXPERIMENTS; do
  [ -f "$D/$e.h5" ] || $BIN pairs generate --experiment "$e" --count 6000 --size 64 --seed 11 --out "$D/$e.h5"
  $BIN classify train --experiment "$e" --data "$D/$e.h5" --preset alexnet-cpu --seed 0 --out "$R/$e"
  cp "$R/$e/metrics.json" "results/classification/$e.json.tmp"
  mv "results/classification/$e.json.tmp" "results/classification/$e.json"
done
