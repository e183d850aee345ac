#!/usr/bin/env python3
"""Where a classifier's rejections on the mock-observed SDSS set fall: the share of images below the
threshold, and the accuracy of all images, binned by the labels the mock set draws at random
(mass ratio, distance of i from its class, |θ|, peak S/N, redshift), then the share rejected at
other thresholds. Reads what `galaxy-lab classify evaluate --out DIR` wrote (DIR/predictions.csv)
and the HDF5 file it evaluated (its label arrays, by image index).
Usage: mock_rejections.py EVAL_DIR DATA.h5 [--threshold 0.8]
e.g.   mock_rejections.py target/sdss_runs/eval_compact-wide-long_mock_train data/generated/sdss_mock/mock.h5"""
import argparse, csv, json, pathlib, sys
import h5py, numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("eval_dir", type=pathlib.Path)
    ap.add_argument("data", type=pathlib.Path)
    ap.add_argument("--threshold", type=float, default=0.8)
    a = ap.parse_args()
    if not 0.0 < a.threshold < 1.0:
        sys.exit(f"--threshold must lie in (0, 1), not {a.threshold}")
    pred = a.eval_dir / "predictions.csv"
    if not pred.is_file():
        sys.exit(f"no {pred}: run `galaxy-lab classify evaluate --out {a.eval_dir}` first")
    if not a.data.is_file():
        sys.exit(f"no data file {a.data}")
    rows = list(csv.DictReader(open(pred)))
    if not rows:
        sys.exit(f"{pred} holds no predictions")
    idx = np.array([int(r["image"]) for r in rows])
    cols = [k for k in rows[0] if k[0] == "p" and k[1:].isdigit()]  # p0, p1, …: not "predicted"
    if not cols:
        sys.exit(f"{pred} has no probability columns p0, p1, …")
    probs = np.array([[float(r[k]) for k in cols] for r in rows])
    right = np.array([r["truth"] == r["predicted"] for r in rows])
    # Each class's centre inclination from its name in eval.json ("i=0", "i=45"): the window
    # distance below is measured from the class the image belongs to.
    ev = a.eval_dir / "eval.json"
    try:
        names = json.load(open(ev))["class_names"]
        centres = np.array([float(c.removeprefix("i=")) for c in names])
    except (OSError, KeyError, ValueError, AttributeError) as e:
        sys.exit(f"{ev}: no class names of the form i=<degrees> ({e})")
    with h5py.File(a.data, "r") as f:
        n = f["class"].shape[0]
        if idx.max() >= n:
            sys.exit(f"{pred} names image {idx.max()}, but {a.data} holds {n}: not the evaluated file")
        lab = {k: f[k][:][idx] for k in ("class", "i_deg", "mass_ratio", "peak_snr", "redshift", "theta_deg")}
    pmax = probs.max(axis=1)
    rej = pmax < a.threshold
    if lab["class"].max() >= len(centres):
        sys.exit(f"{a.data} has class {lab['class'].max()}, but {ev} names {len(centres)} classes")
    centre = centres[lab["class"]]
    print(f"{len(rows)} images, {rej.sum()} rejected below {a.threshold:.0%} ({rej.mean():.1%}), accuracy of all {right.mean():.3f}")

    def table(name, x, edges, fmt="{:g}"):
        print(f"{name:<26} {'images':>6} {'rejected':>9} {'accuracy (all)':>15}")
        for lo, hi in zip(edges[:-1], edges[1:]):
            m = (x >= lo) & (x < hi)
            if m.any():
                span = f"{fmt.format(lo)}–{fmt.format(hi)}"
                print(f"  {span:<24} {m.sum():>6} {rej[m].mean():>9.1%} {right[m].mean():>15.3f}")

    table("mass ratio M2/M1", lab["mass_ratio"], [1 / 12, 1 / 8, 1 / 4, 1 / 2, 1.0001], "{:.3f}")
    table("|i − class centre| (deg)", np.abs(lab["i_deg"] - centre), [0, 5, 10, 15.001])
    table("|θ| (deg)", np.abs(lab["theta_deg"]), [0, 30, 60, 90.001])
    table("peak S/N", lab["peak_snr"], [0, 30, 50, 100, 200.001])
    table("redshift", lab["redshift"], [0.02, 0.03, 0.04, 0.05001], "{:.2f}")
    print("rejected at other thresholds: " + ", ".join(f"{t:.0%}: {(pmax < t).mean():.1%}" for t in (0.6, 0.7, 0.75, 0.8, 0.9)))


if __name__ == "__main__":
    main()
