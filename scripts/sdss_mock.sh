#!/usr/bin/env bash
# The mock-observed stand-in for seed 000's SDSS test (Tables 12, 13, Fig. 7, A4) at CLI scale:
# two-class AlexNets (preset alexnet-cpu-mock: 1/4 width, 64 × 64 input, 30 epochs of 80 batches)
# trained on
#   clean       clean 1:1 images at exactly 0°/45° (the seed's set-up),
#   observed    the same kind of simulations observed as SDSS would (realism augmentation),
#   mock_train  simulations drawn like the test set (M1/M2 1–12, ±15°) and observed,
# each applied to one mock-observed test set (M1/M2 in [1, 12], i within ±15°, random orientation,
# PSF, sky, Poisson noise, asinh stretch). KINDS="clean observed" picks some of them. Cutouts
# frame the pair; with CUTOUT_ARCSEC=136 they have SkyServer's fixed 340 px × 0.4″ instead (names
# get a _fixed136 tag).
# Run folders go to target/sdss_runs/; each eval.json is copied to
# results/sdss/mock_eval_<trained-on><tag>.json (and the evaluation on a second, fresh mock set,
# data seed 10, to results/sdss/mock_fresh_eval_<trained-on><tag>.json) and each training metrics.json to
# results/classification/two_class_<trained-on><tag>.json (what notebook 09 and README quote);
# the compact networks' weights and learning curves to
# results/classification/weights/two-class_sdss-mock_<name>.{bpk,json,history.json}.
# PRESET=compact (or any other compact preset: compact-long, compact-wide-long) trains the compact network (`classify train --preset …`)
# instead: its files get the preset as prefix (results/sdss/mock_eval_compact_<trained-on>.json).
# Run folders: target/sdss_runs<tag>/train_<preset>_<trained-on><_sN> (the preset part only for the
# compact presets), the evaluations eval_… and eval_fresh_… beside them. BIN=path runs an already
# built binary.
# Usage: [CUTOUT_ARCSEC=136] [PRESET=compact] [SEED=N] scripts/sdss_mock.sh [TRAIN_IMAGES] [MOCK_IMAGES]
#        (defaults: 6000 1200; another TRAIN_IMAGES tags the training files, runs and results
#        with _n<TRAIN_IMAGES>, so they never mix with the 6,000-image ones)
set -euo pipefail
cd "$(dirname "$0")/.."
NTRAIN=${1:-6000}; NMOCK=${2:-1200}
for n in "$NTRAIN" "$NMOCK"; do
  case "$n" in ''|*[!0-9]*|0) echo "image counts must be whole numbers ≥ 1, not $n" >&2; exit 2;; esac
done
# A training set of another size than the default 6,000 is a file (and runs, and results) of its
# own: mock_train_n24000.h5, train_<preset>_mock_train_n24000, ..._mock_train_n24000.json.
NT=""; [ "$NTRAIN" = 6000 ] || NT="_n$NTRAIN"
# SEED=N trains with training seed N (default 0); runs and files of seeds other than 0 end in _s<N>.
SEED=${SEED:-0}
case "$SEED" in ''|*[!0-9]*) echo "SEED must be a whole number, not $SEED" >&2; exit 2;; esac
S=""; [ "$SEED" = 0 ] || S="_s$SEED"
PRESET=${PRESET:-alexnet-cpu-mock}
NET=""; [ "$PRESET" = alexnet-cpu-mock ] || NET="${PRESET}_"
TAG=""; FRAME=()
if [ -n "${CUTOUT_ARCSEC:-}" ]; then TAG="_fixed$CUTOUT_ARCSEC"; FRAME=(--cutout-arcsec "$CUTOUT_ARCSEC"); fi
D=data/generated/sdss_mock$TAG
R=target/sdss_runs$TAG
COMMON=(--experiment two-class --size 64)
if [ -z "${BIN:-}" ]; then cargo build --bin galaxy-lab; BIN=target/debug/galaxy-lab; fi
KINDS=${KINDS:-clean observed mock_train}
for kind in $KINDS; do  # before any simulation: a typo fails in a second, not after the mock sets
  case "$kind" in clean|observed|mock_train) ;;
    *) echo "unknown KINDS entry: $kind (expected clean, observed or mock_train)" >&2; exit 2;;
  esac
done
mkdir -p "$D" "$R" results/sdss results/classification
[ -f "$D/mock.h5" ] || $BIN pairs generate "${COMMON[@]}" --count "$NMOCK" --seed 9 --mock-observed "${FRAME[@]}" --out "$D/mock.h5"
# A second mock set of new encounters (data seed 10): a score that holds on both is not one set's luck.
[ -f "$D/mock_fresh.h5" ] || $BIN pairs generate "${COMMON[@]}" --count "$NMOCK" --seed 10 --mock-observed "${FRAME[@]}" --out "$D/mock_fresh.h5"
# Only the training sets of the networks asked for (each ~2 min of simulation).
for kind in $KINDS; do
  [ -f "$D/$kind$NT.h5" ] && continue
  case "$kind" in
    clean) $BIN pairs generate "${COMMON[@]}" --count "$NTRAIN" --seed 5 --out "$D/clean$NT.h5";;
    observed) $BIN pairs generate "${COMMON[@]}" --count "$NTRAIN" --seed 6 --observed "${FRAME[@]}" --out "$D/observed$NT.h5";;
    mock_train) $BIN pairs generate "${COMMON[@]}" --count "$NTRAIN" --seed 7 --mock-observed "${FRAME[@]}" --out "$D/mock_train$NT.h5";;
  esac
done
for kind in $KINDS; do
  run="$R/train_$NET$kind$NT$S"
  if [ -f "$run/metrics.json" ]; then echo "trained already: $run"
  elif [ -f "$run/run.json" ]; then $BIN classify train --resume "$run"
  else $BIN classify train --experiment two-class --data "$D/$kind$NT.h5" --preset "$PRESET" --seed "$SEED" --out "$run"
  fi
  $BIN classify evaluate --model "$run" --data "$D/mock.h5" --threshold 0.8 --out "$R/eval_$NET$kind$NT$S"
  $BIN classify evaluate --model "$run" --data "$D/mock_fresh.h5" --threshold 0.8 --out "$R/eval_fresh_$NET$kind$NT$S"
  name="$NET$kind$NT$TAG$S"
  cp "$R/eval_$NET$kind$NT$S/eval.json" "results/sdss/mock_eval_$name.json.tmp"
  mv "results/sdss/mock_eval_$name.json.tmp" "results/sdss/mock_eval_$name.json"
  cp "$R/eval_fresh_$NET$kind$NT$S/eval.json" "results/sdss/mock_fresh_eval_$name.json.tmp"
  mv "results/sdss/mock_fresh_eval_$name.json.tmp" "results/sdss/mock_fresh_eval_$name.json"
  cp "$run/metrics.json" "results/classification/two_class_$name.json.tmp"
  mv "results/classification/two_class_$name.json.tmp" "results/classification/two_class_$name.json"
  # The compact networks' weights (~1.2 MB; the AlexNet runs' are not kept).
  if [ -n "$NET" ]; then
    W=results/classification/weights/two-class_sdss-mock_$name
    mkdir -p results/classification/weights
    cp "$run/model.bpk" "$W.bpk.tmp" && mv "$W.bpk.tmp" "$W.bpk"
    cp "$run/model.json" "$W.json.tmp" && mv "$W.json.tmp" "$W.json"
    cp "$run/history.json" "$W.history.json.tmp" && mv "$W.history.json.tmp" "$W.history.json"
  fi
done
