"""PyTorch twins of galaxy-lab's networks and the step timing both side-by-side scripts use
(bench/torch_reference.py on the CPU, bench/gpu_reference.py on any device). Same layers, same
shapes as the Rust models they name; imported after the scripts have checked that PyTorch is
installed."""
import time

import torch
from torch import nn


def median_ms(net, opt, x, loss_of, steps, sync=lambda: None):
    """Median ms of `steps` training steps (forward, loss read back, backward, update) and
    inference passes of `net` on `x`, after 3 warm-up steps each; `sync` waits for the device
    (torch.cuda.synchronize on a GPU) before each clock reading."""
    net.train()
    tr = []
    for k in range(steps + 3):
        sync()
        t = time.perf_counter()
        loss = loss_of(net(x))
        loss.item()
        opt.zero_grad()
        loss.backward()
        opt.step()
        sync()
        if k >= 3:
            tr.append((time.perf_counter() - t) * 1e3)
    net.eval()
    inf = []
    with torch.no_grad():
        for k in range(steps + 3):
            sync()
            t = time.perf_counter()
            net(x)
            sync()
            if k >= 3:
                inf.append((time.perf_counter() - t) * 1e3)
    return sorted(tr)[len(tr) // 2], sorted(inf)[len(inf) // 2]


class QNet(nn.Module):
    """Fig. 7 of the thesis, as galaxy-lab's QNet: valid padding, softplus σ + 1e-3."""

    def __init__(self, c=1):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(c, 16, 2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 48, 2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(48 * 7 * 7, 128), nn.ReLU(), nn.Dropout(0.3), nn.Linear(128, 2))

    def forward(self, x):
        o = self.f(x)
        return o[:, 0], nn.functional.softplus(o[:, 1]) + 1e-3


class AlexNet(nn.Module):
    """galaxy-lab's AlexNet (models/alexnet.rs): conv → ReLU → batch norm, 3×3/2 pools after
    conv 1, 2, 5, dense h, h with dropout 0.5; every width × `width` (rounded, ≥ 1)."""

    def __init__(self, c, size, width, classes=2):
        super().__init__()
        sc = lambda n: max(1, round(n * width))
        f = [sc(n) for n in (96, 256, 384, 384, 256)]
        k, st = (11, 5, 3, 3, 3), (4, 1, 1, 1, 1)
        pads = (0,) * 5 if size >= 195 else (2, 2, 1, 1, 1)
        layers, cin = [], c
        for l in range(5):
            layers += [nn.Conv2d(cin, f[l], k[l], st[l], pads[l]), nn.ReLU(), nn.BatchNorm2d(f[l])]
            if l in (0, 1, 4):
                layers.append(nn.MaxPool2d(3, 2))
            cin = f[l]
        self.f = nn.Sequential(*layers, nn.Flatten())
        with torch.no_grad():
            flat = self.f(torch.zeros(1, c, size, size)).shape[1]
        h = sc(4096)
        self.head = nn.Sequential(nn.Linear(flat, h), nn.ReLU(), nn.Dropout(0.5), nn.Linear(h, h), nn.ReLU(),
                                  nn.Dropout(0.5), nn.Linear(h, classes))

    def forward(self, x):
        return self.head(self.f(x))


class CompactNet(nn.Module):
    """src/models/compact.rs at width 1: 5x5/2 stem (32) + BN + ReLU; three stages of a 2x2 pool
    and two 3x3 convolutions (32, 64, 128) each with BN + ReLU; global average pool; dropout 0.2;
    linear to the classes."""

    def __init__(self, c=1, classes=3, dropout=0.2):
        super().__init__()
        layers = [nn.Conv2d(c, 32, 5, 2, 2), nn.BatchNorm2d(32), nn.ReLU()]
        cin = 32
        for cout in (32, 64, 128):
            layers.append(nn.MaxPool2d(2))
            for _ in range(2):
                layers += [nn.Conv2d(cin, cout, 3, 1, 1), nn.BatchNorm2d(cout), nn.ReLU()]
                cin = cout
        self.f = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Dropout(dropout),
                               nn.Linear(128, classes))

    def forward(self, x):
        return self.f(x)


class JointNet(nn.Module):
    """The joint (i, |θ|) model of the joint-compact-long preset (src/models/regressor.rs): the
    compact body at width 1 without dropout, four outputs read as μ and σ = softplus + 1e-3 for
    each of the two targets."""

    def __init__(self, c=1, targets=2):
        super().__init__()
        self.targets = targets
        self.body = CompactNet(c, 2 * targets, dropout=0.0)

    def forward(self, x):
        out = self.body(x)
        mu, raw = out[:, :self.targets], out[:, self.targets:]
        return mu, nn.functional.softplus(raw) + 1e-3


def gaussian_nll(mu, sigma, y):
    """src/train/nll.rs: ½ ln(2π) + ln σ + (y − μ)² / (2σ²), averaged."""
    return (0.9189385332046727 + torch.log(sigma) + 0.5 * ((y - mu) / sigma) ** 2).mean()


class ThetaNet(nn.Module):
    """Table 5 of seed 000 (src/models/thetanet.rs): three 3x3 'same' convolutions (16, 32, 64)
    with ReLU and 2x2 pools, dense 16 and 4 with ReLU, one output."""

    def __init__(self, c=3, size=64):
        super().__init__()
        self.f = nn.Sequential(
            nn.Conv2d(c, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * (size // 8) ** 2, 16), nn.ReLU(), nn.Linear(16, 4), nn.ReLU(),
            nn.Linear(4, 1))

    def forward(self, x):
        return self.f(x)

