#!/usr/bin/env bash
# Full-mode q inference (issue: seed 001 Table 1): the thesis's 10,000-galaxy dataset and all six
# training modes through the CLI. Each run's folder goes to target/q_runs/<mode>/ and its
# metrics.json is copied to results/q_inference/<mode>.json (what notebook 02 and README quote).
# Usage: [REFIT=N] [PLATEAU=P] [WEIGHT_DECAY=W] [PER_IMAGE=1] [NAME_SUFFIX=_x] [FIRST_CONV=direct] [LATER_CONVS=direct] scripts/q_full.sh [EPOCHS] [PATIENCE] [MODES...]
#        Defaults are the recipe of the committed results: 100 epochs, early stopping after 20
#        without a better validation NLL, all six modes; PLATEAU: epochs without improvement before
#        the learning rate halves (default 8); WEIGHT_DECAY: Adam's L2 penalty, --weight-decay W
#        for every mode (default per mode, chosen on validation NLL: 1e-2 for four projections,
#        which still overfit with 1e-3, 1e-3 for the others; WEIGHT_DECAY= for none);
#        PER_IMAGE=1: --per-image-norm, runs named <mode>_per_image; NAME_SUFFIX=_x: runs named
#        <mode>_x, to keep another setting's result beside the main one.
#        FIRST_CONV=direct|im2col, LATER_CONVS=direct|im2col: how the first and the other two
#        convolutions are computed (default im2col, the faster one). The JSONs whose config has
#        no "first_conv" / "later_convs" field were trained with burn's own kernel there:
#        FIRST_CONV=direct LATER_CONVS=direct reruns them bit for bit; im2col differs at rounding level.
#        RAYON_NUM_THREADS=1 lets two modes train side by side on a 2-core machine (faster in all).
#        REFIT=N: after training, N epochs with dropout off (--refit-epochs N, learning rate 1e-4;
#        beyond the thesis, see src/train/q_refit.rs); runs named <mode>_refit. The same phase
#        can be added to a run folder this script trained before: scripts/q_refit.sh MODE...
#        (the same numbers as training with REFIT in one go, given the same first phase; the
#        JSONs trained before im2col existed need FIRST_CONV=direct LATER_CONVS=direct for that).
set -euo pipefail
cd "$(dirname "$0")/.."
EPOCHS=${1:-100}; PATIENCE=${2:-20}; PLATEAU=${PLATEAU:-8}; NORM=(); SUFFIX=""
[ "${PER_IMAGE:-0}" = 1 ] && { NORM=(--per-image-norm); SUFFIX=_per_image; }
REFIT_ARGS=(); [ "${REFIT:-0}" -gt 0 ] && { REFIT_ARGS=(--refit-epochs "$REFIT"); SUFFIX=${SUFFIX}_refit; }
SUFFIX=$SUFFIX${NAME_SUFFIX:-}
shift $(( $# > 2 ? 2 : $# ))
MODES=${*:-four incl:0 incl:30 incl:60 incl:90 random}
BIN=target/debug/galaxy-lab
DATA=data/generated/sersic_full.h5
cargo build --bin galaxy-lab
[ -f "$DATA" ] || $BIN sersic generate --galaxies 10000 --seed 2023 --out "$DATA"
mkdir -p results/q_inference
for m in $MODES; do
  name=${m/:/_}$SUFFIX
  if [ -n "${WEIGHT_DECAY+set}" ]; then wd=$WEIGHT_DECAY; elif [ "$m" = four ]; then wd=1e-2; else wd=1e-3; fi
  WD=(); [ -n "$wd" ] && WD=(--weight-decay "$wd")
  $BIN q train --data "$DATA" --mode "$m" --epochs "$EPOCHS" --patience "$PATIENCE" --plateau-patience "$PLATEAU" "${NORM[@]}" "${WD[@]}" "${REFIT_ARGS[@]}" \
    --first-conv "${FIRST_CONV:-im2col}" --later-convs "${LATER_CONVS:-im2col}" --seed 0 --out "target/q_runs/$name"
  cp "target/q_runs/$name/metrics.json" "results/q_inference/$name.json.tmp"
  mv "results/q_inference/$name.json.tmp" "results/q_inference/$name.json"
done
