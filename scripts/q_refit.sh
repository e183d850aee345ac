#!/usr/bin/env bash
# The dropout-off phase (beyond the thesis, src/train/q_refit.rs) on run folders already trained
# by scripts/q_full.sh: for each MODE, galaxy-lab q refit reads target/q_runs/<mode>/, writes
# target/q_runs/<mode>_refit/, and its metrics.json is copied to results/q_inference/<mode>_refit.json
# (what notebook 02's section 7 and the README quote). The numbers are those of training with
# --refit-epochs in one go (tests/q_refit.rs), from the same first-phase weights.
# The phase is Refit::default (20 epochs at 1e-4), as in the preset table1-refit.
# Usage: scripts/q_refit.sh MODE...   e.g. scripts/q_refit.sh random random-cos
set -euo pipefail
cd "$(dirname "$0")/.."
[ $# -gt 0 ] || { echo "usage: $0 MODE..." >&2; exit 2; }
BIN=target/debug/galaxy-lab
cargo build --bin galaxy-lab
mkdir -p results/q_inference
for m in "$@"; do
  name=${m/:/_}
  $BIN q refit --model "target/q_runs/$name" --out "target/q_runs/${name}_refit"
  cp "target/q_runs/${name}_refit/metrics.json" "results/q_inference/${name}_refit.json.tmp"
  mv "results/q_inference/${name}_refit.json.tmp" "results/q_inference/${name}_refit.json"
done
