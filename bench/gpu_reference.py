#!/usr/bin/env python3
"""Training-step times of galaxy-lab's three networks on one device beside PyTorch with the same
shapes, in one run: seed 001's q network (Adam, Gaussian NLL, 1 x 64²), the compact classifier
(SGD 0.01, cross-entropy, three classes, 1 x 64²) and seed 000's θ network (Table 5 at 64²,
3 channels, Adam, squared error), at each batch size asked for (default 32 and 256).

galaxy-lab runs as `<galaxy-lab> q|classify|theta bench-step ... --json` with GALAXY_LAB_DEVICE set
to --burn-device (`vulkan` on the GPU machine; `cpu` or `vulkan` through Mesa's lavapipe here);
PyTorch on --torch-device (`cuda` there, `cpu` here). Each time is the median of --steps steps
after 3 warm-up steps; a step reads its loss back (which waits for the device), as training does.
Prints a row per network and batch with the ratio galaxy-lab / PyTorch and writes them as JSON to
--out. A network that fails on one side is recorded with its error, and the others still run.

scripts/gpu_check.sh calls this on the GPU machine. PyTorch is not part of `make setup`.
Usage: python bench/gpu_reference.py --galaxy-lab PATH [--burn-device vulkan] [--torch-device cuda]
                                      [--batches 32,256] [--steps 20] [--out results/gpu/step_times.json]
"""
import argparse, json, os, pathlib, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--galaxy-lab", default="target/debug/galaxy-lab")
ap.add_argument("--burn-device", default="vulkan", choices=["cpu", "vulkan", "cuda", "auto"])
ap.add_argument("--torch-device", default="cuda")
ap.add_argument("--batches", default="32,256")
ap.add_argument("--steps", type=int, default=20)
ap.add_argument("--nets", default="qnet,compact,thetanet")
ap.add_argument("--timeout", type=float, default=300, help="seconds per galaxy-lab timing")
ap.add_argument("--out", default="results/gpu/step_times.json")
args = ap.parse_args()
try:
    batches = [int(b) for b in args.batches.split(",")]
except ValueError:
    sys.exit(f"--batches {args.batches!r}: expected comma-separated integers")
if not batches or min(batches) < 1 or args.steps < 1:
    sys.exit("--batches and --steps must be positive")
nets = args.nets.split(",")
for n in nets:
    if n not in ("qnet", "compact", "thetanet"):
        sys.exit(f"--nets: unknown network {n!r} (qnet, compact, thetanet)")
try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("PyTorch is not installed: `.venv/bin/pip install torch`, then rerun")
dev = torch.device(args.torch_device)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import torch_nets  # noqa: E402 (after the check that PyTorch is installed)
from torch_nets import CompactNet, QNet, ThetaNet  # noqa: E402


def sync():
    if dev.type == "cuda":
        torch.cuda.synchronize()


def torch_ms(net, opt, x, loss_of):
    return torch_nets.median_ms(net.to(dev), opt, x, loss_of, args.steps, sync)

def torch_times(name, b):
    torch.manual_seed(0)
    if name == "qnet":
        net = QNet().to(dev)
        x, q = torch.randn(b, 1, 64, 64, device=dev), torch.rand(b, device=dev) * 0.8 + 0.2

        def nll(out):
            mu, s = out
            return (0.9189385 + torch.log(s) + 0.5 * ((q - mu) / s) ** 2).mean()

        return torch_ms(net, torch.optim.Adam(net.parameters(), lr=1e-3), x, nll)
    if name == "compact":
        net = CompactNet().to(dev)
        x, y = torch.randn(b, 1, 64, 64, device=dev), torch.arange(b, device=dev) % 3
        ce = nn.CrossEntropyLoss()
        return torch_ms(net, torch.optim.SGD(net.parameters(), lr=0.01), x, lambda o: ce(o, y))
    net = ThetaNet().to(dev)
    x, t = torch.randn(b, 3, 64, 64, device=dev), torch.rand(b, 1, device=dev) * 2 - 1
    return torch_ms(net, torch.optim.Adam(net.parameters(), lr=1e-3), x, lambda o: ((o - t) ** 2).mean())


def burn_times(name, b):
    cmd = {
        "qnet": ["q", "bench-step", "--channels", "1"],
        "compact": ["classify", "bench-step", "--net", "compact", "--classes", "3", "--size", "64", "--width", "1"],
        "thetanet": ["theta", "bench-step", "--channels", "3", "--size", "64"],
    }[name]
    with tempfile.TemporaryDirectory() as d:
        j = pathlib.Path(d) / "t.json"
        p = subprocess.run([args.galaxy_lab, *cmd, "--batch", str(b), "--steps", str(args.steps), "--json", str(j)],
                           env={**os.environ, "GALAXY_LAB_DEVICE": args.burn_device}, capture_output=True,
                           text=True, timeout=args.timeout)
        if p.returncode != 0:
            raise RuntimeError(f"galaxy-lab exited {p.returncode}: {(p.stderr or p.stdout).strip()[-600:]}")
        return json.loads(j.read_text())


rows = []
for name in nets:
    for b in batches:
        row = {"network": name, "batch": b, "torch_device": str(dev), "burn_device": args.burn_device,
               "steps": args.steps, "torch": torch.__version__}
        try:
            row["torch_train_ms"], row["torch_infer_ms"] = torch_times(name, b)
        except Exception as e:  # one side failing must not hide the other
            row["torch_error"] = repr(e)[:600]
        try:
            t = burn_times(name, b)
            row["burn_train_ms"], row["burn_infer_ms"], row["burn_device_name"] = t["train_ms"], t["infer_ms"], t["device"]
        except Exception as e:
            row["burn_error"] = repr(e)[:600]
        if "torch_train_ms" in row and "burn_train_ms" in row:
            row["train_ratio"] = row["burn_train_ms"] / row["torch_train_ms"]
            row["infer_ratio"] = row["burn_infer_ms"] / row["torch_infer_ms"]
            print(f"{name:<9} batch {b:>4}: train step burn {row['burn_train_ms']:.2f} ms "
                  f"({row['burn_device_name']}) vs torch {row['torch_train_ms']:.2f} ms ({dev}): "
                  f"ratio {row['train_ratio']:.2f}; inference ratio {row['infer_ratio']:.2f}", flush=True)
        else:
            print(f"{name:<9} batch {b:>4}: failed: {row.get('burn_error', '')} {row.get('torch_error', '')}",
                  flush=True)
        rows.append(row)
out = pathlib.Path(args.out)
out.parent.mkdir(parents=True, exist_ok=True)
tmp = out.with_suffix(out.suffix + ".tmp")
tmp.write_text(json.dumps(rows, indent=2))
tmp.replace(out)
print("wrote", out)
sys.exit(0 if all("train_ratio" in r for r in rows) else 1)
