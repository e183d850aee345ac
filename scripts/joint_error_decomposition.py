#!/usr/bin/env python3
"""Where the joint (i, |θ|) model's inclination error comes from (issue 23.4): splits each run's
per-image i error into the error of the mean prediction over one encounter's views (the same
simulation seen from its 16 directions: what remains however many views of one pair are averaged,
plus ~spread/√16 of view noise) and the spread of the views around that mean (what averaging the
views removes, and what a single image is stuck with), per true-i and per |θ| range;
then the error of the mean over the runs given (a seed ensemble: what model variance adds).

Input: predictions.csv files of `galaxy-lab theta evaluate` (columns true_i, pred_i, sigma_i,
true_|theta|, …), one per training seed, all on the same pairs file (images of one encounter
share its true i and are told apart by it).
Usage: scripts/joint_error_decomposition.py RUN/predictions.csv [RUN2/predictions.csv ...]"""
import collections, csv, math, sys


def load(path):
    try:
        rows = list(csv.DictReader(open(path)))
        out = [(float(r["true_i"]), float(r["pred_i"]), float(r["true_|theta|"])) for r in rows]
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"{path}: not a theta-evaluate predictions.csv ({e})")
    if not out or any(not all(map(math.isfinite, r)) for r in out):
        sys.exit(f"{path}: no rows, or a value that is not a finite number")
    bad = next((r for r in out if not (0 <= r[0] <= 90 and 0 <= r[2] <= 90)), None)
    if bad is not None:
        sys.exit(f"{path}: true i {bad[0]} or |θ| {bad[2]} outside [0, 90] degrees")
    return out


def rms(xs):
    return math.sqrt(sum(x * x for x in xs) / len(xs))


def ranges(rows, col, err):
    parts = []
    for lo in range(0, 90, 15):
        e = [err(r) for r in rows if lo <= r[col] < lo + 15 or (lo == 75 and r[col] == 90)]
        if e:
            parts.append(f"{lo}–{lo + 15}°: {rms(e):.1f}° (bias {sum(e) / len(e):+.1f}°, {len(e)})")
    return "; ".join(parts)


def main(paths):
    if not paths:
        sys.exit(__doc__)
    runs = [load(p) for p in paths]
    if len({len(r) for r in runs}) != 1 or any([x[0] for x in r] != [x[0] for x in runs[0]] for r in runs):
        sys.exit("the files do not hold the same images (true i differs row by row)")
    for path, rows in zip(paths, runs):
        views = collections.defaultdict(list)
        for k, (t, _, _) in enumerate(rows):
            views[t].append(k)
        sizes = {len(ks) for ks in views.values()}
        if len(sizes) != 1:  # encounters are told apart by their true i: equal views each, or a clash
            sys.exit(f"{path}: encounters with different numbers of views {sorted(sizes)} "
                     "(two encounters with the same true i, or a cut file)")
        mean = {t: sum(rows[k][1] for k in ks) / len(ks) for t, ks in views.items()}
        print(f"{path}: {len(rows)} images of {len(views)} encounters")
        print(f"  i RMSE per image {rms([p - t for t, p, _ in rows]):.2f}°; of the mean over each encounter's "
              f"views {rms([m - t for t, m in mean.items()]):.2f}°; spread of the views around that mean "
              f"{rms([p - mean[t] for t, p, _ in rows]):.2f}°")
        print(f"  by true i: {ranges(rows, 0, lambda r: r[1] - r[0])}")
        print(f"  by true |θ|: {ranges(rows, 2, lambda r: r[1] - r[0])}")
    if len(runs) > 1:
        ens = [sum(r[k][1] for r in runs) / len(runs) - runs[0][k][0] for k in range(len(runs[0]))]
        print(f"mean of the {len(runs)} runs' predictions (seed ensemble): i RMSE {rms(ens):.2f}°")


if __name__ == "__main__":
    main(sys.argv[1:])
