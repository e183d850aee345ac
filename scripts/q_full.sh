#!/usr/bin/env bash
# Full-mode q inference (seed 001 Table 1): the thesis's 10,000-galaxy dataset and all six training
# modes through the CLI with a named recipe (src/train/q_experiment.rs, QRunConfig::table1: 100
# epochs, early stopping after 20 without a better validation NLL, learning rate halved after 8,
# weight decay 1e-2 for four projections and 1e-3 otherwise). Each run's folder goes to
# target/q_runs/<name>/ and its metrics.json is copied to results/q_inference/<name>.json (what
# notebook 02 and README quote); the trained network (model.bpk + model.json, with metrics.json and
# history.json, what `q predict --model DIR` and QRun::load read) to results/q_inference/weights/<name>/.
# SEEDS="0 1 2" trains each mode with those training seeds: seed 0 keeps the name <mode>, the others
# are named <mode>_s<seed> (Table 1 columns as mean ± standard deviation).
# Usage: [PRESET=table1|table1-refit|thesis] scripts/q_full.sh [MODES...]
#        PRESET=table1-refit adds 20 epochs with dropout off (beyond the thesis, see
#        src/train/q_refit.rs); runs named <mode>_refit. PRESET=thesis: the thesis's own settings,
#        runs named <mode>_thesis.
#        The committed JSONs' "first_conv" / "later_convs" fields say how their convolutions were
#        computed (this project's own im2col, removed in stop 48, or burn's kernels): rounding, not
#        recipe; a rerun computes them through the vendored burn-flex and agrees to rounding.
#        RAYON_NUM_THREADS=1 lets two modes train side by side on a 2-core machine (faster in all);
#        BIN=<copy of the binary> runs that copy instead of building target/debug/galaxy-lab (so a
#        build can go on beside a long run). Runs flush subnormal numbers to zero after each step
#        (src/train/subnormal.rs); the JSONs whose train config has no "flush_subnormals" kept them:
#        KEEP_SUBNORMALS=1 reruns those bit for bit.
#        The dropout-off phase can also be added to a run folder trained before: scripts/q_refit.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-table1}
case $PRESET in table1) SUFFIX="" ;; table1-refit) SUFFIX=_refit ;; *) SUFFIX=_$PRESET ;; esac
MODES=${*:-four incl:0 incl:30 incl:60 incl:90 random}
BIN=${BIN:-target/debug/galaxy-lab}
DATA=data/generated/sersic_full.h5
[ "$BIN" != target/debug/galaxy-lab ] || cargo build --bin galaxy-lab
[ -f "$DATA" ] || $BIN sersic generate --galaxies 10000 --seed 2023 --out "$DATA"
mkdir -p results/q_inference
for m in $MODES; do
  for seed in ${SEEDS:-0}; do
    name=${m/:/_}$SUFFIX
    [ "$seed" = 0 ] || name=${name}_s$seed
    $BIN q train --data "$DATA" --mode "$m" --preset "$PRESET" \
      --seed "$seed" $([ "${KEEP_SUBNORMALS:-0}" = 1 ] && echo --keep-subnormals) --out "target/q_runs/$name"
    cp "target/q_runs/$name/metrics.json" "results/q_inference/$name.json.tmp"
    mv "results/q_inference/$name.json.tmp" "results/q_inference/$name.json"
    W=results/q_inference/weights/$name
    mkdir -p "$W"
    for f in model.bpk model.json metrics.json history.json; do
      cp "target/q_runs/$name/$f" "$W/$f.tmp"; mv "$W/$f.tmp" "$W/$f"
    done
  done
done
