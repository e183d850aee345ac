#!/usr/bin/env python3
"""`make test`'s timing table.

    stage.py start                 forget earlier times (target/test-times.tsv)
    stage.py run NAME -- CMD...    run CMD, record NAME, its wall time and exit status
    stage.py report                print the table with the total, write target/test-times.json

Notebooks add one row each (scripts/run_notebooks.py --times target/test-times.tsv). Uses only
the standard library, so it works before the venv exists."""
import json, pathlib, subprocess, sys, time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TSV = ROOT / "target" / "test-times.tsv"


def record(name, secs, status):
    TSV.parent.mkdir(parents=True, exist_ok=True)
    with open(TSV, "a") as f:
        f.write(f"{name}\t{secs:.1f}\t{status}\n")


def main(argv):
    if argv[:1] == ["start"]:
        TSV.parent.mkdir(parents=True, exist_ok=True)
        TSV.write_text("")
        return 0
    if argv[:1] == ["run"] and len(argv) >= 4 and argv[2] == "--":
        t0 = time.time()
        status = subprocess.call(argv[3:])
        record(argv[1], time.time() - t0, status)
        return status
    if argv[:1] == ["report"]:
        rows = []
        if TSV.exists():
            for line in TSV.read_text().splitlines():
                name, secs, status = line.split("\t")
                rows.append({"stage": name, "seconds": float(secs), "status": int(status)})
        # Notebook rows are part of the notebooks stage: the total counts stages only.
        total = sum(r["seconds"] for r in rows if not r["stage"].startswith("notebook:"))
        width = max([len(r["stage"]) for r in rows] + [5])
        print(f"\n{'stage'.ljust(width)}  {'wall':>8}  status")
        for r in rows:
            indent = "  " if r["stage"].startswith("notebook:") else ""
            print(f"{(indent + r['stage']).ljust(width + 2)}{r['seconds']:>8.1f}s  {'ok' if r['status'] == 0 else 'FAILED'}")
        print(f"{'total'.ljust(width + 2)}{total:>8.1f}s  ({total / 60:.1f} min)")
        out = TSV.with_suffix(".json")
        tmp = out.with_suffix(".json.tmp")
        tmp.write_text(json.dumps({"stages": rows, "total_seconds": total,
                                   "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}, indent=2))
        tmp.replace(out)
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
