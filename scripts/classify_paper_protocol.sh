#!/usr/bin/env bash
# Seed 000's own test protocol (§4), literally: a source set of GalMer's size (12 orbits × 2 spins
# × 3 morphology pairs × 6 views per inclination: 864 images for two classes, 1,296 for three and
# nine), every source augmented × 3 variants × 360 rotations × its mirror image (beyond the seed),
# the augmented images split 64/16/20 at random (src/train/paper_protocol.rs), trained with the
# `compact` preset (PRESET names another, below). Scores a sample of the seed's test size
# (Tables 1–3) and the whole 20 %.
# Data: data/generated/classify/<experiment>_galmer_size.h5 (data seed 12, 64 × 64). Run folders:
# target/class_runs/<experiment>_paper_protocol_s<seed>/; paper_protocol.json is copied to
# results/classification/paper_protocol/<experiment>_s<seed>.json, the trained network (model.bpk +
# model.json) to results/classification/weights/<experiment>_paper-protocol_s<seed>.*. A killed run continues when the
# same command is run again (the checkpoint in the run folder).
# Usage: scripts/classify_paper_protocol.sh "SEEDS" [EXPERIMENTS...]   (defaults: "0 1 2", all three)
# BIN=path runs an already built binary instead of building target/debug/galaxy-lab.
# PRESET=compact-long|compact-wide|compact-wide-long runs that preset: run folders
# <experiment>_paper_protocol_<preset>_s<seed>, results under
# results/classification/paper_protocol_<preset with _>/ (e.g. paper_protocol_compact_wide_long/,
# the folders protocols_table reads), weights <experiment>_paper-protocol_<preset>_s<seed>.*; the
# `compact` runs keep the names above.
set -euo pipefail
cd "$(dirname "$0")/.."
SEEDS=${1:-0 1 2}; shift $(( $# > 0 ? 1 : 0 ))
EXPERIMENTS=${*:-two-class three-class nine-class}
PRESET=${PRESET:-compact}
case "$PRESET" in
  compact) P= ;;
  compact-long|compact-wide|compact-wide-long) P=_$PRESET ;;
  *) echo "PRESET must be compact, compact-long, compact-wide or compact-wide-long, not $PRESET" >&2; exit 2;;
esac
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
M=results/classification/paper_protocol${P//-/_}
D=data/generated/classify
R=target/class_runs
mkdir -p "$D" "$R" "$M"
for e in $EXPERIMENTS; do
  case $e in two-class) n=864 ;; *) n=1296 ;; esac
  f="$D/${e}_galmer_size.h5"
  [ -f "$f" ] || $BIN pairs generate --experiment "$e" --count $n --size 64 --seed 12 --out "$f"
  for s in $SEEDS; do
    out="$R/${e}_paper_protocol${P}_s$s"
    if [ ! -f "$out/paper_protocol.json" ]; then
      $BIN classify paper-protocol --preset "$PRESET" --data "$f" --seed "$s" --out "$out"
    else
      echo "done already: $out"
    fi
    J=$M/${e}_s$s.json
    cp "$out/paper_protocol.json" "$J.tmp" && mv "$J.tmp" "$J"
    # The trained network (runs before it was saved have none).
    if [ -f "$out/model.bpk" ]; then
      W=results/classification/weights/${e}_paper-protocol${P}_s$s
      mkdir -p results/classification/weights
      cp "$out/model.bpk" "$W.bpk.tmp" && mv "$W.bpk.tmp" "$W.bpk"
      cp "$out/model.json" "$W.json.tmp" && mv "$W.json.tmp" "$W.json"
    fi
  done
done
