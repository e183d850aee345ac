#!/usr/bin/env python3
"""Proves the notebook runner fails when it should. Each notebook in tests/notebooks/ is
deliberately broken (compile error, plain panic, panic under galaxy-lab's hook, `?` error, a figure
shown as Debug text); tests/notebooks/expected_failures.json says why each must fail.

    test_runner.py --from OUT   check the broken notebooks that `run_notebooks.py ... --expect-fail
                                tests/notebooks --out OUT` executed after the real ones, in the same
                                kernel (what `make test` does: no second kernel, whose `:dep` alone
                                costs ~55 s)
    test_runner.py              run them on their own first (run_notebooks.py --expect-fail, into
                                target/runner-selftest), then check them the same way

The check does not take the runner's word: it reads each executed copy (OUT/selftest/<name>),
finds its failures with the runner's own `problems` and requires the expected reason among them,
so a failure caused by an earlier notebook's broken kernel does not count. Without a kernel it
also checks that the exit status fails a run in which any notebook failed (`exit_code`), and that
stderr arriving after its cell finished is kept by the runner's reading loop and still fails the
notebook (LateOutputClient, merge_late) on a hand-built message sequence.
Last line: "runner self-test: N passed, M failed"."""
import argparse, importlib.util, pathlib, re, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
root = here.parent
CASES = root / "tests" / "notebooks"

spec = importlib.util.spec_from_file_location("run_notebooks", here / "run_notebooks.py")
rn = importlib.util.module_from_spec(spec)
spec.loader.exec_module(rn)


def late_output_is_caught():
    """evcxr can forward a cell's stderr after the cell's reply (a race no notebook can force):
    the runner must still put it on that cell and fail the notebook. Checked on a message
    sequence built by hand."""
    import nbformat
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("let d = f()?;"),
                                         nbformat.v4.new_code_cell("println!(\"ok\");")])
    def stream(parent, text):
        return {"header": {"msg_type": "stream"}, "msg_type": "stream",
                "parent_header": {"msg_id": parent}, "content": {"name": "stderr", "text": text}}
    def idle(parent):
        return {"header": {"msg_type": "status"}, "msg_type": "status",
                "parent_header": {"msg_id": parent}, "content": {"execution_state": "idle"}}

    # The client's reading loop, fed what evcxr sent while cell 1 ran: cell 0's error text (late),
    # output of a request from outside the notebook, cell 1's own output, cell 1's idle.
    class Channel:
        def __init__(self, msgs):
            self.msgs = list(msgs)

        def get_msg(self, timeout=None):
            return self.msgs.pop(0)

    class Kc:
        iopub_channel = Channel([stream("req-0", "invalid value -1 for n\n"), stream("clear-request", "not ours\n"),
                                 {**stream("req-1", "ok\n"), "content": {"name": "stdout", "text": "ok\n"}},
                                 idle("req-1")])

    import asyncio
    client = rn.LateOutputClient(nb, record_timing=False)
    client.reset_execution_trackers()  # what nbclient does before a notebook
    client.clear_before_next_output = False  # and before a cell's reading loop
    client.kc = Kc()
    client.cell_of_request["req-0"] = 0  # cell 0 ran earlier
    asyncio.run(client._async_poll_output_msg("req-1", nb.cells[1], 1))
    merged = rn.merge_late(nb, client.cell_of_request, client.late)
    found = rn.problems(nb)
    ok = (merged == 1 and len(client.late) == 2 and client.cell_of_request.get("req-1") == 1
          and len(found) == 1 and found[0][0] == 0 and "invalid value" in found[0][2]
          and [o.get("text") for o in nb.cells[1].outputs] == ["ok\n"])
    print(f"{'ok  ' if ok else 'BAD '} a late stderr message is kept by the reading loop, put back on its cell "
          f"and fails it (kept {len(client.late)}, merged {merged}, problems at cells {[k for k, _, _ in found]})")
    return ok


def exit_status_fails_failures():
    """The exit status is non-zero whenever a notebook failed, a broken notebook did not fail as
    expected, or nothing ran; zero only when all is as it should be."""
    cases = [(([True], []), 0), (([True, False], []), 1), (([False], []), 1),
             (([True], [True, True]), 0), (([True], [True, False]), 1), (([], [True]), 0),
             (([], [False]), 1), (([], []), 1)]
    wrong = [(args, want) for args, want in cases if rn.exit_code(*args) != want]
    # and a broken notebook that passed, or failed for another reason, is not "as expected"
    wrong += [] if not rn.failed_as_expected(True, "", ".*") else ["a passing notebook counted as failed"]
    wrong += [] if not rn.failed_as_expected(False, "cell 1: stderr output", r"panicked at") else \
        ["a failure for another reason counted"]
    ok = not wrong
    print(f"{'ok  ' if ok else 'BAD '} the exit status fails any failed notebook or unmet expectation"
          f"{'' if ok else f' (wrong: {wrong})'}")
    return ok


def two_kernels_split_and_report():
    """`--jobs 2`: every notebook goes to exactly one kernel, each kernel's list keeps the given
    order, the longest notebooks are spread (the second kernel pays its start-up first), and a
    notebook the second runner did not report (it died) counts as failed, not as passed."""
    import json, os, tempfile
    nbs = [f"n/{k:02d}.ipynb" for k in range(9)]
    times = {"00": 20, "01": 95, "02": 20, "03": 15, "04": 70, "05": 85, "06": 70, "07": 100, "08": 50}
    mine, theirs = rn.split_between_kernels(nbs, times, selftest_seconds=30)
    wrong = []
    if sorted(mine + theirs) != nbs or set(mine) & set(theirs):
        wrong.append(f"not a partition: {mine} / {theirs}")
    if mine != sorted(mine) or theirs != sorted(theirs):
        wrong.append("order not kept")
    load = lambda side: sum(times[p[2:4]] for p in side)
    if abs((load(mine) + 30) - (load(theirs) + 90)) > 100:
        wrong.append(f"unbalanced: {load(mine) + 30} s against {load(theirs) + 90} s")
    fd, status = tempfile.mkstemp(suffix=".json")
    os.close(fd)
    pathlib.Path(status).write_text(json.dumps({"01": [True, 9.0]}))

    class Died:
        returncode = 1

        def wait(self):
            return 1
    import contextlib, io
    with contextlib.redirect_stdout(io.StringIO()) as said:
        got = rn.finish_worker((Died(), ["n/01.ipynb", "n/04.ipynb"], status))
    if "n/04.ipynb" not in said.getvalue():
        wrong.append("the unreported notebook was not named")
    if got != {"01": (True, 9.0), "04": (False, None)}:
        wrong.append(f"worker report read as {got}")
    if pathlib.Path(status).exists():
        wrong.append("status file left behind")
    ok = not wrong
    print(f"{'ok  ' if ok else 'BAD '} two kernels: every notebook runs once, in order, balanced; an unreported one fails"
          f"{'' if ok else f' (wrong: {wrong})'}")
    return ok


def check_executed(out):
    """Each broken notebook's executed copy under out/selftest/ fails for its expected reason, and
    out/selftest/index.html links it and marks it failed. Returns (passed, failed)."""
    import nbformat
    passed = failed = 0
    cases = rn.expected_failures(CASES)
    for path, pattern in cases:
        executed = out / "selftest" / path.name
        if not executed.exists():
            print(f"BAD  {path.name}: no executed copy at {executed}")
            failed += 1
            continue
        found = rn.problems(nbformat.read(executed, as_version=4))
        text = "\n".join(msg for _, _, msg in found)
        ok = bool(found) and re.search(pattern, text) is not None
        seen = text[:400] or "none"
        print(f"{'ok  ' if ok else 'BAD '} {path.name}: "
              + ("fails for the expected reason" if ok else f"expected a failure matching /{pattern}/, found: {seen}"))
        passed += ok
        failed += not ok
    index = out / "selftest" / "index.html"
    page = index.read_text() if index.exists() else ""
    ok = all(f'href="{p.stem}.html"' in page for p, _ in cases) and page.count(">FAILED<") >= len(cases)
    print(f"{'ok  ' if ok else 'BAD '} {index.relative_to(root) if index.is_relative_to(root) else index} "
          "links every broken notebook and marks it failed")
    return passed + ok, failed + (not ok)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--from", dest="out", metavar="OUT",
                    help="check what `run_notebooks.py --expect-fail tests/notebooks --out OUT` executed")
    a = ap.parse_args()
    passed = failed = 0
    for check in (late_output_is_caught, exit_status_fails_failures, two_kernels_split_and_report):
        ok = check()
        passed += ok
        failed += not ok
    if a.out:
        out = pathlib.Path(a.out)
    else:
        out = root / "target" / "runner-selftest"
        r = subprocess.run([sys.executable, str(here / "run_notebooks.py"), "--expect-fail", str(CASES),
                            "--out", str(out), "--timeout", "1800"], capture_output=True, text=True)
        ok = r.returncode == 0
        print(f"{'ok  ' if ok else 'BAD '} run_notebooks.py --expect-fail exited {r.returncode}")
        if not ok:
            print(r.stdout[-6000:], r.stderr[-3000:])
        passed += ok
        failed += not ok
    p, f = check_executed(out)
    passed += p
    failed += f
    print(f"runner self-test: {passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
