#!/usr/bin/env python3
"""Proves the notebook runner fails when it should: each notebook in tests/notebooks/ is
deliberately broken (compile error, plain panic, panic under galaxy-lab's hook, `?` error) and
must make run_notebooks.py exit non-zero. Last line: "N passed, M failed"."""
import pathlib, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
root = here.parent
cases = sorted((root / "tests" / "notebooks").glob("*.ipynb"))
passed = failed = 0
for nb in cases:
    r = subprocess.run([sys.executable, str(here / "run_notebooks.py"), str(nb),
                        "--out", str(root / "target" / "runner-selftest"), "--timeout", "1800"],
                       capture_output=True, text=True)
    ok = r.returncode != 0 and "FAIL" in r.stdout
    print(f"{'ok  ' if ok else 'BAD '} {nb.name}: runner exit {r.returncode}")
    if not ok:
        print(r.stdout[-3000:], r.stderr[-3000:])
    passed += ok
    failed += not ok
print(f"runner self-test: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
