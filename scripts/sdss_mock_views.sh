#!/usr/bin/env bash
# Test-time views on the mock-observed SDSS stand-in: the committed compact networks trained on
# mock-drawn simulations (scripts/sdss_mock.sh with PRESET=<compact preset> KINDS=mock_train)
# scored again on both mock sets with `classify evaluate --views dihedral` (the softmax averaged
# over the eight symmetries of the square; src/train/class_views.rs). No training: one minute
# per network on one core. Weights read from
# results/classification/weights/two-class_sdss-mock_<preset>_mock_train<_sN>.bpk; evaluations
# written to target/sdss_runs/eval{,_fresh}_<preset>_mock_train<_sN>_dihedral/ and copied to
# results/sdss/mock_eval_<preset>_mock_train<_sN>_dihedral.json (mock set, data seed 9) and
# results/sdss/mock_fresh_eval_…_dihedral.json (fresh mock set, data seed 10).
# An evaluation whose set is not the committed one (data seed 9 or 10, NMOCK images, 1,200 unless
# told) is not copied into results/.
# Usage: [PRESET=compact-wide-long] [SEEDS="0 1 2"] [NMOCK=1200] [BIN=path] scripts/sdss_mock_views.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PRESET=${PRESET:-compact-wide-long}
case "$PRESET" in compact|compact-long|compact-wide|compact-wide-long) ;; *) echo "PRESET must be a compact preset, not $PRESET" >&2; exit 2;; esac
SEEDS=${SEEDS:-0 1 2}
[ -n "${SEEDS// /}" ] || { echo "SEEDS names no training seed" >&2; exit 2; }
NMOCK=${NMOCK:-1200}
case "$NMOCK" in ''|*[!0-9]*) echo "NMOCK must be a number of images, not $NMOCK" >&2; exit 2;; esac
for s in $SEEDS; do case "$s" in ''|*[!0-9]*) echo "SEEDS must be whole numbers, not $s" >&2; exit 2;; esac; done
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
D=data/generated/sdss_mock
R=target/sdss_runs
for f in mock mock_fresh; do
  [ -f "$D/$f.h5" ] || { echo "$D/$f.h5 is missing: scripts/sdss_mock.sh generates it" >&2; exit 2; }
done
mkdir -p "$R" results/sdss
done_any=0
for s in $SEEDS; do
  S=""; [ "$s" = 0 ] || S="_s$s"
  name="${PRESET}_mock_train$S"
  W="results/classification/weights/two-class_sdss-mock_$name.bpk"
  if [ ! -f "$W" ]; then echo "skipped: $W is not committed (PRESET=$PRESET SEED=$s KINDS=mock_train scripts/sdss_mock.sh trains it)"; continue; fi
  for set in mock mock_fresh; do
    case "$set" in mock) tag=eval; out=mock_eval; seed=9;; mock_fresh) tag=eval_fresh; out=mock_fresh_eval; seed=10;; esac
    "$BIN" classify evaluate --model "$W" --data "$D/$set.h5" --threshold 0.8 --views dihedral --out "$R/${tag}_${name}_dihedral"
    e="$R/${tag}_${name}_dihedral/eval.json"
    if ! grep -q "\"data_seed\": $seed," "$e" || ! grep -q "\"n\": $NMOCK," "$e"; then
      echo "$D/$set.h5 is not the committed mock set (data seed $seed, $NMOCK images): $e not copied" >&2; exit 2
    fi
    cp "$e" "results/sdss/${out}_${name}_dihedral.json.tmp"
    mv "results/sdss/${out}_${name}_dihedral.json.tmp" "results/sdss/${out}_${name}_dihedral.json"
    done_any=1
  done
done
[ "$done_any" = 1 ] || { echo "no network evaluated: none of training seeds $SEEDS is committed for $PRESET" >&2; exit 1; }
