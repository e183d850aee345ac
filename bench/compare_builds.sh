#!/usr/bin/env bash
# Two builds of galaxy-lab side by side: training step and inference of the compact network
# (width 1 and 1.5, batch 64), the q network, AlexNet (64², width 1/4, batch 32) and the θ
# network (Table 5 at 64², 3 channels, batch 32), one thread, in alternating rounds (A, then B,
# in each round), so both see the same machine. Prints each run's line; compare the medians.
# E.g. the AVX2-only build against the default one (with the AVX-512 kernels):
#   cargo build --bin galaxy-lab --no-default-features --features cli && cp target/debug/galaxy-lab /tmp/gl-avx2
#   cargo build --bin galaxy-lab && cp target/debug/galaxy-lab /tmp/gl-avx512
#   bench/compare_builds.sh /tmp/gl-avx2 /tmp/gl-avx512 [ROUNDS]
set -euo pipefail
if [ $# -lt 2 ]; then echo "usage: bench/compare_builds.sh BIN_A BIN_B [ROUNDS]" >&2; exit 2; fi
A=$1; B=$2; ROUNDS=${3:-5}
for bin in "$A" "$B"; do [ -x "$bin" ] || { echo "not an executable: $bin" >&2; exit 2; }; done
case "$ROUNDS" in ''|*[!0-9]*|0) echo "ROUNDS must be a whole number ≥ 1, not $ROUNDS" >&2; exit 2;; esac
export RAYON_NUM_THREADS=1
for r in $(seq "$ROUNDS"); do
  for bin in "$A" "$B"; do
    echo "round $r $bin compact width 1: $("$bin" classify bench-step --net compact --classes 3 --size 64 --width 1 --batch 64 --steps 15 | tail -1)"
    echo "round $r $bin compact width 1.5: $("$bin" classify bench-step --net compact --classes 2 --size 64 --width 1.5 --batch 64 --steps 10 | tail -1)"
    echo "round $r $bin q network: $("$bin" q bench-step --steps 20 | tail -1)"
    echo "round $r $bin AlexNet: $("$bin" classify bench-step --net alexnet --size 64 --width 0.25 --batch 32 --steps 15 | tail -1)"
    echo "round $r $bin theta network: $("$bin" theta bench-step --channels 3 --size 64 --steps 15 | tail -1)"
  done
done
