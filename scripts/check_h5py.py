#!/usr/bin/env python3
"""Outside-tool check of the Sérsic HDF5 schema: h5py must read a file galaxy-lab wrote, by the
documented names and types, and the images must be finite, non-negative flux.
Usage: check_h5py.py FILE.h5. Last line: "h5py schema: N passed, M failed"."""
import json, sys
import h5py, numpy as np

checks = []
def check(name, cond):
    checks.append((name, bool(cond)))
    print(("ok   " if cond else "FAIL ") + name)

with h5py.File(sys.argv[1], "r") as f:
    imgs = f["images"]
    n, p, h, w = imgs.shape
    check("images is f32 [N, P, H, W]", imgs.dtype == np.float32 and imgs.ndim == 4)
    check("images chunked per galaxy", imgs.chunks == (1, p, h, w))
    check("shuffle + deflate", imgs.shuffle and imgs.compression == "gzip")
    for k in ("q", "n", "r_e", "i_e"):
        check(f"{k} is f32 [N]", f[k].dtype == np.float32 and f[k].shape == (n,))
    check("inclination_deg is f32 [N, P]", f["inclination_deg"].shape == (n, p))
    check("pixel_scale attribute is f64", isinstance(f.attrs["pixel_scale"], (float, np.floating)))
    check("seed attribute is u64", np.asarray(f.attrs["seed"]).dtype == np.uint64)
    check("generator names the crate", str(f.attrs["generator"]).startswith("galaxy-lab "))
    cfg = json.loads(f.attrs["config"])
    check("config JSON records galaxies and seed", cfg["galaxies"] == n and cfg["seed"] == int(f.attrs["seed"]))
    first = imgs[: min(n, 50)]
    check("images finite and non-negative", np.isfinite(first).all() and (first >= 0).all())
    q = f["q"][:]
    check("q within the thesis range", (q >= 0.2).all() and (q <= 1.0).all())

passed = sum(ok for _, ok in checks)
print(f"h5py schema: {passed} passed, {len(checks) - passed} failed")
sys.exit(0 if passed == len(checks) else 1)
