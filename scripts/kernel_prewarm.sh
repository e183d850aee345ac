#!/usr/bin/env bash
# The notebook kernel's dependency build, run beside `make test`'s cargo stages instead of inside
# the first notebook: on a fresh clone both builds take ~10 min on two cores and neither keeps
# both cores busy all the time (single-threaded front ends, link steps), so side by side they
# finish sooner than one after the other. Best effort: if it fails, the first notebook builds
# the dependencies itself, as before; when they are already built it exits at once.
#   start PYTHON   start it in the background (its own session), one cargo job at a time
#   wait           wait for it, print its log; always exits 0
#   stop           stop it and its kernel (make test stopped early)
set -u
cd "$(dirname "$0")/.."
dir=target/kernel-prewarm
case "${1:-}" in
  start)
    py=${2:?usage: kernel_prewarm.sh start PYTHON}
    mkdir -p "$dir"; rm -f "$dir/status"
    rm -f "$dir/kernel.pid"
    GALAXY_LAB_KERNEL_PID_FILE=$PWD/$dir/kernel.pid CARGO_BUILD_JOBS=1 setsid bash -c '"$0" scripts/run_notebooks.py --prewarm --jobs 2 notebooks/00_tour.ipynb > "$1/log" 2>&1; echo $? > "$1/status"' \
      "$py" "$dir" < /dev/null > /dev/null 2>&1 &
    echo $! > "$dir/pid"
    ;;
  wait)
    [ -f "$dir/pid" ] || { echo "no kernel build ahead was started"; exit 0; }
    pid=$(cat "$dir/pid")
    while kill -0 "$pid" 2>/dev/null; do sleep 1; done
    rm -f "$dir/pid"
    cat "$dir/log" 2>/dev/null
    [ "$(cat "$dir/status" 2>/dev/null)" = 0 ] || echo "the kernel build ahead did not finish: the first notebook builds the dependencies"
    exit 0
    ;;
  stop)
    [ -f "$dir/pid" ] || exit 0
    pid=$(cat "$dir/pid"); rm -f "$dir/pid"
    # The runner's session, then the kernel's (jupyter starts a kernel in a session of its own;
    # its cargo and rustc run in that session too).
    kill -KILL -- "-$pid" 2>/dev/null
    if [ -f "$dir/kernel.pid" ]; then kill -KILL -- "-$(cat "$dir/kernel.pid")" 2>/dev/null; rm -f "$dir/kernel.pid"; fi
    exit 0
    ;;
  *) echo "usage: scripts/kernel_prewarm.sh start PYTHON | wait | stop" >&2; exit 2;;
esac
