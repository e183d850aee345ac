#!/usr/bin/env bash
# The prepared GPU check (issue: a GPU path that builds here): run once on the GPU machine, in
# under 8 minutes, writing JSON into OUT:
#   info.txt, nvidia-smi.txt      which device and backend galaxy-lab chose (GALAXY_LAB_DEVICE)
#   agreement.json                q, compact and θ networks: a few training steps from the same
#                                 weights on the GPU and on the CPU, losses side by side
#   step_times.json               training-step times on the GPU beside PyTorch (batch 32, 256)
#   train_three_class/metrics.json one short end-to-end training (three classes, compact, 1,200
#                                 images) and its test accuracy
#   summary.json                  each step: status (ok, failed, timed out), seconds, last lines
# Every step runs under its own time limit and a failed step does not stop the others.
# Usage: scripts/gpu_check.sh OUT [GALAXY_LAB]
#   GALAXY_LAB: the galaxy-lab to run (default: the bundle's wrapper beside this script, else
#   target/debug/galaxy-lab). DEVICE=vulkan (default) | cuda | cpu picks GALAXY_LAB_DEVICE;
#   TORCH_DEVICE=cuda (default) | cpu picks PyTorch's. On a machine without a GPU, run
#   DEVICE=cpu (and EPOCHS=1: the end-to-end training's epochs, default 3) to test the script
#   itself on two CPU cores.
set -uo pipefail
OUT=${1:?usage: scripts/gpu_check.sh OUT [GALAXY_LAB]}
here=$(cd "$(dirname "$0")" && pwd)
if [ -n "${2:-}" ]; then GL=$2
elif [ -x "$here/../galaxy-lab" ]; then GL="$here/../galaxy-lab"
else GL="$here/../target/debug/galaxy-lab"; fi
[ -x "$GL" ] || { echo "gpu_check: no galaxy-lab at $GL" >&2; exit 2; }
REF="$here/../bench/gpu_reference.py"
export GALAXY_LAB_DEVICE=${DEVICE:-vulkan}
TORCH_DEVICE=${TORCH_DEVICE:-cuda}
PY=${PYTHON:-python3}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
: > "$OUT/steps.tsv"
start_all=$(date +%s)

# step NAME LIMIT_S COMMAND...: runs COMMAND with a time limit, its output in OUT/NAME.log.
step() {
  local name=$1 limit=$2; shift 2
  local t0=$(date +%s) rc
  echo "== $name (limit ${limit}s): $*"
  timeout "$limit" "$@" > "$OUT/$name.log" 2>&1; rc=$?
  local status=ok
  [ $rc -eq 124 ] && status="timed out" || { [ $rc -ne 0 ] && status="failed ($rc)"; }
  printf '%s\t%s\t%s\n' "$name" "$status" "$(( $(date +%s) - t0 ))" >> "$OUT/steps.tsv"
  tail -n 5 "$OUT/$name.log"
  echo "-> $status"
}

step nvidia-smi 20 nvidia-smi
step info 60 "$GL" info
cp "$OUT/info.log" "$OUT/info.txt" 2>/dev/null
step agreement 150 "$GL" device agree --batch 8 --steps 5 --json "$OUT/agreement.json"
step step-times 240 "$PY" "$REF" --galaxy-lab "$GL" --burn-device "$GALAXY_LAB_DEVICE" \
  --torch-device "$TORCH_DEVICE" --batches 32,256 --steps 20 --timeout 100 --out "$OUT/step_times.json"
T=$(mktemp -d)
step generate 60 "$GL" pairs generate --experiment three-class --count 1200 --size 64 --seed 5 \
  --out "$T/three-class.h5"
step train-three-class 150 "$GL" classify train --experiment three-class --data "$T/three-class.h5" \
  --preset compact --epochs "${EPOCHS:-3}" --seed 0 --out "$OUT/train_three_class"
rm -rf "$T"
# Only the small files come back: drop the weights of the end-to-end run.
rm -f "$OUT/train_three_class/model.bpk"

"$PY" - "$OUT" "$start_all" <<'PYEOF'
import json, pathlib, sys, time
out, t0 = pathlib.Path(sys.argv[1]), float(sys.argv[2])
steps = []
for line in (out / "steps.tsv").read_text().splitlines():
    name, status, sec = line.split("\t")
    log = out / f"{name}.log"
    tail = log.read_text(errors="replace").splitlines()[-5:] if log.exists() else []
    steps.append({"step": name, "status": status, "seconds": int(sec), "last_lines": tail})
summary = {"steps": steps, "total_seconds": round(time.time() - t0)}
m = out / "train_three_class" / "metrics.json"
if m.exists():
    j = json.loads(m.read_text())
    summary["three_class"] = {k: j.get(k) for k in ("accuracy_no_rejection", "f1_no_rejection", "train_accuracy",
                                                       "train_seconds", "device")}
(out / "summary.json").write_text(json.dumps(summary, indent=2))
for s in steps:
    print(f"{s['step']:<18} {s['status']:<12} {s['seconds']:>4} s")
print("total", summary["total_seconds"], "s; wrote", out / "summary.json")
PYEOF
grep -qv $'\tok\t' "$OUT/steps.tsv" && exit 1 || exit 0
