#!/usr/bin/env python3
"""Side-by-side benchmark: seed 001's q network (Adam, Gaussian NLL) and seed 000's AlexNet
classifier (SGD, cross-entropy) trained one step at a time in PyTorch and in galaxy-lab (burn,
`galaxy-lab q bench-step` / `galaxy-lab classify bench-step`), same shapes, same thread count, in
one run. Prints median ms per training step and inference pass, and the burn/PyTorch ratio;
writes results/q_inference/bench_step.json (q network) and
results/classification/bench_step.json (AlexNet).

PyTorch is not part of `make setup` (it is large); install it into the venv only to benchmark:
    .venv/bin/pip install torch
The compact classifier (issue 25's network, 3 classes, 1 x 64²) and the θ network (Table 5 at
64², 3 channels) are measured like the q network, in interleaved rounds, with the batch sizes
their training uses (64 and 32); they write results/classification/bench_step_compact_<threads>threads.json
and results/theta/bench_step_<threads>threads.json; the joint (i, |θ|) model of the
joint-compact-long preset (compact body, 1 x 64², Gaussian NLL, AdamW, batch 64) writes
results/theta/bench_step_joint_<threads>threads.json.
Usage: python bench/torch_reference.py [--threads 2] [--steps 30] [--rounds 5] [--only qnet|alexnet|compact|thetanet|joint]
                                       [--galaxy-lab target/debug/galaxy-lab]
"""
import argparse, json, os, pathlib, statistics, subprocess, sys, tempfile

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--steps", type=int, default=30)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--galaxy-lab", default="target/debug/galaxy-lab")
ap.add_argument("--out", default="results/q_inference/bench_step.json")
ap.add_argument("--alexnet-out", default="results/classification/bench_step.json")
ap.add_argument("--only", choices=["qnet", "alexnet", "compact", "thetanet", "joint"], default=None)
ap.add_argument("--compact-out", default=None,
                help="default results/classification/bench_step_compact_<threads>threads.json")
ap.add_argument("--theta-out", default=None, help="default results/theta/bench_step_<threads>threads.json")
ap.add_argument("--joint-out", default=None, help="default results/theta/bench_step_joint_<threads>threads.json")
ap.add_argument("--rounds", type=int, default=5, help="interleaved PyTorch/burn rounds for the q network")
args = ap.parse_args()
os.environ["OMP_NUM_THREADS"] = os.environ["RAYON_NUM_THREADS"] = str(args.threads)
try:
    import torch
    from torch import nn
except ImportError:
    sys.exit("PyTorch is not installed in this venv: `.venv/bin/pip install torch`, then rerun")
torch.set_num_threads(args.threads)
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import torch_nets  # noqa: E402 (after the check that PyTorch is installed)
from torch_nets import AlexNet, CompactNet, JointNet, QNet, ThetaNet  # noqa: E402


def median_ms(net, opt, x, loss_of):
    return torch_nets.median_ms(net, opt, x, loss_of, args.steps)


def torch_times(c):
    torch.manual_seed(0)
    net = QNet(c)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(args.batch, c, 64, 64)
    q = torch.rand(args.batch) * 0.8 + 0.2

    def nll(out):
        mu, s = out
        return (0.9189385 + torch.log(s) + 0.5 * ((q - mu) / s) ** 2).mean()

    return median_ms(net, opt, x, nll)


def write_rows(rows, out):
    pathlib.Path(out).parent.mkdir(parents=True, exist_ok=True)
    tmp = pathlib.Path(out + ".tmp")
    tmp.write_text(json.dumps(rows, indent=2))
    tmp.replace(out)
    print("wrote", out)


def burn_times(cmd, env=None, batch=None):
    with tempfile.TemporaryDirectory() as d:
        j = pathlib.Path(d) / "t.json"
        subprocess.run([args.galaxy_lab, *cmd, "--batch", str(batch or args.batch), "--steps", str(args.steps), "--json", str(j)],
                       check=True, env={**os.environ, "GALAXY_LAB_DEVICE": "cpu", **(env or {})})
        return json.loads(j.read_text())


def run_qnet():
    """The q network, measured in `--rounds` interleaved rounds so that drift on a shared machine
    (seen here: the same PyTorch step at 55 and at 92 ms in runs minutes apart) hits both sides
    alike. Each round times PyTorch, then galaxy-lab as training runs it (the vendored burn-flex's
    convolutions as im2col + gemm forward and gradients, its 2x2 pool fast path, glibc malloc
    thresholds raised as the CLI does: src/malloc.rs), the same with glibc's default malloc
    (GALAXY_LAB_MALLOC=default), and burn's own kernels (BURN_FLEX_GENERIC_CONV_BACKWARD=1 and
    BURN_FLEX_GENERIC_POOL=1 switch the patches off; default malloc: what ran before the speed
    work). Until stop 48 the first variant ran the project's own im2col (models::im2col, since
    removed) and the older JSONs' "direct" columns burn-flex's patched convolutions with its
    generic pool and default malloc. A ratio is taken within each round; the row reports the
    median over rounds of each time and of each ratio, and keeps every round."""
    variants = {
        "burn": {},
        "default_malloc": {"GALAXY_LAB_MALLOC": "default"},
        "generic": {"BURN_FLEX_GENERIC_CONV_BACKWARD": "1", "BURN_FLEX_GENERIC_POOL": "1", "GALAXY_LAB_MALLOC": "default"},
    }
    if args.rounds < 1:
        sys.exit(f"--rounds {args.rounds}: need at least 1")
    rows = []
    for c in (1, 4):
        rounds = []
        for r in range(args.rounds):
            pt, pi = torch_times(c)
            rd = {"torch_train_ms": pt, "torch_infer_ms": pi}
            for name, env in variants.items():
                b = burn_times(["q", "bench-step", "--channels", str(c)], env=env)
                rd[f"{name}_train_ms"], rd[f"{name}_infer_ms"] = b["train_ms"], b["infer_ms"]
                rd[f"{name}_train_ratio"], rd[f"{name}_infer_ratio"] = b["train_ms"] / pt, b["infer_ms"] / pi
                rd[f"{name}_malloc"] = b.get("malloc", "?")
            if (rd["burn_malloc"], rd["default_malloc_malloc"]) != ("keep-freed", "default"):
                print(f"  warning: malloc settings reported {rd['burn_malloc']!r} / {rd['default_malloc_malloc']!r}, "
                      "expected 'keep-freed' / 'default' (a galaxy-lab binary older than src/malloc.rs, or not glibc)")
            rounds.append(rd)
            print(f"  qnet {c}x64x64 round {r + 1}/{args.rounds}: torch {pt:.1f} ms, burn {rd['burn_train_ms']:.1f} ms "
                  f"(ratio {rd['burn_train_ratio']:.2f}), default malloc ratio {rd['default_malloc_train_ratio']:.2f}, "
                  f"burn's own kernels ratio {rd['generic_train_ratio']:.2f}", flush=True)
        m = lambda k: statistics.median(rd[k] for rd in rounds)
        row = {"channels": c, "batch": args.batch, "threads": args.threads, "rounds": args.rounds,
               "torch_train_ms": m("torch_train_ms"), "torch_infer_ms": m("torch_infer_ms"),
               "burn_train_ms": m("burn_train_ms"), "burn_infer_ms": m("burn_infer_ms"),
               "train_ratio": m("burn_train_ratio"), "infer_ratio": m("burn_infer_ratio"),
               "train_ratio_range": [min(rd["burn_train_ratio"] for rd in rounds), max(rd["burn_train_ratio"] for rd in rounds)],
               "default_malloc_train_ms": m("default_malloc_train_ms"), "default_malloc_train_ratio": m("default_malloc_train_ratio"),
               "burn_generic_train_ms": m("generic_train_ms"), "burn_generic_infer_ms": m("generic_infer_ms"),
               "generic_train_ratio": m("generic_train_ratio"), "generic_infer_ratio": m("generic_infer_ratio"),
               "malloc": rounds[0]["burn_malloc"], "torch": torch.__version__, "per_round": rounds}
        rows.append(row)
        lo, hi = row["train_ratio_range"]
        print(f"qnet {c}x64x64 batch {args.batch}, {args.threads} threads, median of {args.rounds} rounds: train step "
              f"torch {row['torch_train_ms']:.1f} ms, burn {row['burn_train_ms']:.1f} ms (ratio {row['train_ratio']:.2f}, "
              f"rounds {lo:.2f}-{hi:.2f}; with glibc's default malloc {row['default_malloc_train_ratio']:.2f}; "
              f"burn's own kernels {row['generic_train_ratio']:.2f}); inference ratio {row['infer_ratio']:.2f}")
    write_rows(rows, args.out)


def torch_alexnet_times(size, width):
    torch.manual_seed(0)
    net = AlexNet(1, size, width)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x = torch.randn(args.batch, 1, size, size)
    y = torch.arange(args.batch) % 2
    loss_fn = nn.CrossEntropyLoss()
    return median_ms(net, opt, x, lambda out: loss_fn(out, y))


def run_alexnet():
    rows = []
    # The quick-mode network, the CLI runs' 1/4 width, and the seed's Table 4 network at 256 × 256.
    for size, width in ((64, 0.125), (64, 0.25), (256, 1.0)):
        pt, pi = torch_alexnet_times(size, width)
        b = burn_times(["classify", "bench-step", "--size", str(size), "--width", str(width)])
        rows.append({"size": size, "width": width, "batch": args.batch, "threads": args.threads,
                     "torch_train_ms": pt, "torch_infer_ms": pi, "burn_train_ms": b["train_ms"], "burn_infer_ms": b["infer_ms"],
                     "train_ratio": b["train_ms"] / pt, "infer_ratio": b["infer_ms"] / pi, "torch": torch.__version__})
        r = rows[-1]
        print(f"alexnet 1x{size}x{size} width {width} batch {args.batch}, {args.threads} threads: train step torch {pt:.1f} ms, "
              f"burn {b['train_ms']:.1f} ms (ratio {r['train_ratio']:.2f}); inference torch {pi:.1f} ms, burn {b['infer_ms']:.1f} ms "
              f"(ratio {r['infer_ratio']:.2f})")
    write_rows(rows, args.alexnet_out)


def torch_compact_times(batch):
    torch.manual_seed(0)
    net = CompactNet(1, 3)
    opt = torch.optim.SGD(net.parameters(), lr=0.01)
    x = torch.randn(batch, 1, 64, 64)
    y = torch.arange(batch) % 3
    loss_fn = nn.CrossEntropyLoss()
    return torch_nets.median_ms(net, opt, x, lambda out: loss_fn(out, y), args.steps)


def torch_theta_times(batch):
    torch.manual_seed(0)
    net = ThetaNet(3, 64)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.randn(batch, 3, 64, 64)
    t = torch.rand(batch, 1) * 2 - 1
    return torch_nets.median_ms(net, opt, x, lambda out: ((out - t) ** 2).mean(), args.steps)


def torch_joint_times(batch):
    torch.manual_seed(0)
    net = JointNet(1, 2)
    opt = torch.optim.AdamW(net.parameters(), lr=3e-3, eps=1e-8, weight_decay=0.01)
    x = torch.randn(batch, 1, 64, 64)
    y = torch.rand(batch, 2)
    return torch_nets.median_ms(net, opt, x, lambda out: torch_nets.gaussian_nll(out[0], out[1], y), args.steps)


def run_interleaved(name, batches, torch_fn, burn_cmd, out):
    """One network in `--rounds` interleaved rounds (PyTorch, then galaxy-lab as the CLI trains
    it), a ratio within each round, the median over rounds of each time and ratio per row."""
    if args.rounds < 1:
        sys.exit(f"--rounds {args.rounds}: need at least 1")
    rows = []
    for batch in batches:
        rounds = []
        for r in range(args.rounds):
            pt, pi = torch_fn(batch)
            b = burn_times(burn_cmd, batch=batch)
            rounds.append({"torch_train_ms": pt, "torch_infer_ms": pi, "burn_train_ms": b["train_ms"],
                           "burn_infer_ms": b["infer_ms"], "train_ratio": b["train_ms"] / pt,
                           "infer_ratio": b["infer_ms"] / pi})
            print(f"  {name} batch {batch} round {r + 1}/{args.rounds}: train torch {pt:.1f} ms, burn "
                  f"{b['train_ms']:.1f} ms (ratio {rounds[-1]['train_ratio']:.2f}); inference ratio "
                  f"{rounds[-1]['infer_ratio']:.2f}", flush=True)
        m = lambda k: statistics.median(rd[k] for rd in rounds)
        row = {"network": name, "batch": batch, "threads": args.threads, "rounds": args.rounds, "steps": args.steps,
               **{k: m(k) for k in rounds[0]},
               "train_ratio_range": [min(rd["train_ratio"] for rd in rounds), max(rd["train_ratio"] for rd in rounds)],
               "infer_ratio_range": [min(rd["infer_ratio"] for rd in rounds), max(rd["infer_ratio"] for rd in rounds)],
               "torch": torch.__version__, "per_round": rounds}
        rows.append(row)
        print(f"{name} batch {batch}, {args.threads} threads, median of {args.rounds} rounds: train step torch "
              f"{row['torch_train_ms']:.1f} ms, burn {row['burn_train_ms']:.1f} ms (ratio {row['train_ratio']:.2f}, rounds "
              f"{row['train_ratio_range'][0]:.2f}-{row['train_ratio_range'][1]:.2f}); inference torch "
              f"{row['torch_infer_ms']:.1f} ms, burn {row['burn_infer_ms']:.1f} ms (ratio {row['infer_ratio']:.2f})")
    write_rows(rows, out)


if args.only in (None, "qnet"):
    run_qnet()
if args.only in (None, "alexnet"):
    run_alexnet()
if args.only in (None, "compact"):
    run_interleaved("compact", (32, 64), torch_compact_times,
                    ["classify", "bench-step", "--net", "compact", "--classes", "3", "--size", "64", "--width", "1"],
                    args.compact_out or f"results/classification/bench_step_compact_{args.threads}threads.json")
if args.only in (None, "thetanet"):
    run_interleaved("thetanet", (32,), torch_theta_times, ["theta", "bench-step", "--channels", "3", "--size", "64"],
                    args.theta_out or f"results/theta/bench_step_{args.threads}threads.json")
if args.only in (None, "joint"):
    run_interleaved("joint", (64,), torch_joint_times,
                    ["theta", "bench-step", "--net", "joint", "--size", "64", "--width", "1"],
                    args.joint_out or f"results/theta/bench_step_joint_{args.threads}threads.json")
