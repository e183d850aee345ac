#!/usr/bin/env python3
"""Side-by-side benchmark (issue: Sérsic simulator): the thesis's straightforward numpy renderer
(a 64^3 cube summed along the line of sight) against galaxy-lab's renderer, both on one core, in
one run. Prints images/s of each and the ratio; writes results/sersic/bench.json.

Usage: python bench/sersic_vs_numpy.py [--images 200] [--galaxy-lab target/debug/galaxy-lab]
"""
import argparse, json, os, subprocess, sys, time, pathlib

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
import numpy as np
from scipy.special import gammaincinv  # b_n as the thesis: P(2n, b) = 1/2


def numpy_render(i_e, n, r_e, q, incl_deg, size=64):
    """The thesis's method: sky grid cube, rotate to galaxy frame, evaluate Eq. 4, sum along z."""
    b = gammaincinv(2 * n, 0.5)
    h = q * r_e / 1.177
    c = (np.arange(size) - (size - 1) / 2.0)
    x, y, z = np.meshgrid(c, c[::-1], c, indexing="xy")
    i = np.radians(incl_deg)
    yg = y * np.cos(i) - z * np.sin(i)
    zg = y * np.sin(i) + z * np.cos(i)
    r = np.sqrt(x * x + yg * yg)
    f = i_e * np.exp(-b * ((r / r_e) ** (1.0 / n) - 1.0)) * np.exp(-0.5 * (zg / h) ** 2)
    return f.sum(axis=2)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=200)
    ap.add_argument("--galaxy-lab", default="target/debug/galaxy-lab")
    ap.add_argument("--out", default="results/sersic/bench.json")
    a = ap.parse_args()
    rng = np.random.default_rng(0)
    t0 = time.perf_counter()
    for k in range(a.images):
        numpy_render(rng.uniform(0.1, 1), rng.uniform(0.5, 2), rng.uniform(5, 30),
                     rng.uniform(0.2, 1), [0, 30, 60, 90][k % 4])
    t_np = time.perf_counter() - t0
    np_rate = a.images / t_np
    gl_json = pathlib.Path(a.out).with_name("bench_galaxy_lab.json")
    gl_json.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([a.galaxy_lab, "sersic", "bench", "--galaxies", "2500", "--json", str(gl_json)],
                   check=True)
    gl_rate = json.loads(gl_json.read_text())["images_per_second"]
    ratio = gl_rate / np_rate
    print(f"numpy 64^3 cube:  {np_rate:10.1f} images/s (one core)")
    print(f"galaxy-lab:       {gl_rate:10.1f} images/s (one core)")
    print(f"ratio galaxy-lab / numpy = {ratio:.0f}x (target >= 100x)")
    pathlib.Path(a.out).write_text(json.dumps({
        "numpy_images_per_second": np_rate, "galaxy_lab_images_per_second": gl_rate,
        "ratio": ratio, "numpy_images": a.images, "size": 64,
        "machine": os.uname().nodename, "cores_used": 1}, indent=2))
    gl_json.unlink()
    return 0 if ratio >= 100 else 1


if __name__ == "__main__":
    sys.exit(main())
