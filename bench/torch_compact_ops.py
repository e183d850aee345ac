"""Per-operation times of the compact classifier's training step in PyTorch (issue 27): each
convolution, batch norm, ReLU and max pool of the network at batch 64 and a 64² input, forward
and backward (inference in eval mode), as galaxy-lab's `examples/compact_op_profile.rs` times
them in burn (the output gradient is a fixed random tensor: `(op(x) · g).sum()` is
differentiated, in both). Prints a table in the same layout; run both with nothing else
running.
Usage: .venv/bin/python bench/torch_compact_ops.py [--threads 1]"""
import argparse
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("--threads", type=int, default=1)
ap.add_argument("--steps", type=int, default=20)
args = ap.parse_args()
if args.threads < 1 or args.steps < 1:
    ap.error(f"--threads and --steps must be at least 1 (got {args.threads}, {args.steps})")
os.environ["OMP_NUM_THREADS"] = str(args.threads)
import torch  # noqa: E402
from torch import nn  # noqa: E402

torch.set_num_threads(args.threads)
torch.manual_seed(0)
N = 64


def med_ms(f, steps):
    for _ in range(3):
        f()
    t = []
    for _ in range(steps):
        s = time.perf_counter()
        f()
        t.append((time.perf_counter() - s) * 1e3)
    return sorted(t)[len(t) // 2]


def row(name, count, make):
    op, shape = make()
    # The stem's input is the image: no gradient for it, as in the network.
    x = torch.randn(*shape, requires_grad=shape[1] > 1)
    with torch.no_grad():
        g = torch.randn_like(op(x))

    def fwd():
        with torch.no_grad():
            op(x)

    def step():
        (op(x) * g).sum().backward()

    # Inference in eval mode (batch norm with its running statistics), as burn's `valid()`
    # module; the training step in train mode.
    op.eval()
    fw = med_ms(fwd, args.steps)
    op.train()
    st = med_ms(step, args.steps)
    print(f"{name:<34} {count:>3} {fw:>9.2f} {st:>9.2f} {count * st:>9.2f}")
    return count * st


print(f"PyTorch {torch.__version__}, {args.threads} thread(s), batch {N}")
print(f"{'op (ms)':<34} {'×':>3} {'fwd':>9} {'fwd+bwd':>9} {'× count':>9}")
total = 0.0
for ci, co, k, s, p, side, count in [(1, 32, 5, 2, 2, 64, 1), (32, 32, 3, 1, 1, 16, 2), (32, 64, 3, 1, 1, 8, 1),
                                     (64, 64, 3, 1, 1, 8, 1), (64, 128, 3, 1, 1, 4, 1), (128, 128, 3, 1, 1, 4, 1)]:
    total += row(f"conv {ci}->{co} {k}x{k}/{s} @ {side}²", count,
                 lambda: (nn.Conv2d(ci, co, k, s, p), (N, ci, side, side)))
for c, side, count in [(32, 32, 1), (32, 16, 2), (64, 8, 2), (128, 4, 2)]:
    total += row(f"batch norm {c} @ {side}²", count, lambda: (nn.BatchNorm2d(c), (N, c, side, side)))
    total += row(f"relu {c} @ {side}²", count, lambda: (nn.ReLU(), (N, c, side, side)))
for c, side in [(32, 32), (32, 16), (64, 8)]:
    total += row(f"max pool 2x2 {c} @ {side}²", 1, lambda: (nn.MaxPool2d(2), (N, c, side, side)))
print(f"{'sum':<34} {'':>3} {'':>9} {'':>9} {total:>9.2f}")
