#!/usr/bin/env python3
"""Proves the notebook runner fails when it should: each notebook in tests/notebooks/ is
deliberately broken (compile error, plain panic, panic under galaxy-lab's hook, `?` error, a figure
shown as Debug text). All of them go through one run_notebooks.py call, as the real notebooks do
(one kernel, `:clear`ed between notebooks), and each must be reported FAIL for its own reason, so a
failure caused by an earlier notebook's broken kernel does not count. The run must exit non-zero.
A hand-built message sequence also checks that stderr arriving after its cell finished is kept by
the runner's reading loop and still fails the notebook (LateOutputClient, merge_late).
Last line: "N passed, M failed"."""
import pathlib, re, subprocess, sys

here = pathlib.Path(__file__).resolve().parent
root = here.parent
# What the runner must say about each case (the notebooks without `:dep` run first, so the
# kernel loads galaxy-lab's crate graph once).
EXPECT = {
    "broken_compile.ipynb": r"error\[E0308\]|mismatched types",
    "broken_panic_plain.ipynb": r"panicked at|Child process terminated",
    "broken_debug_figure.ipynb": r"figure displayed as Debug text",
    "broken_panic_hook.ipynb": r"panicked at|Child process terminated",
    "broken_question_mark.ipynb": r"stderr output",
}


def late_output_is_caught():
    """evcxr can forward a cell's stderr after the cell's reply (a race no notebook can force):
    the runner must still put it on that cell and fail the notebook. Checked on a message
    sequence built by hand."""
    import importlib.util, nbformat
    spec = importlib.util.spec_from_file_location("run_notebooks", here / "run_notebooks.py")
    rn = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rn)
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


unit_ok = late_output_is_caught()
cases = sorted((root / "tests" / "notebooks").glob("*.ipynb"))
unknown = [c.name for c in cases if c.name not in EXPECT]
if unknown:
    print(f"runner self-test: no expected failure written down for {unknown}")
    sys.exit(1)
order = [root / "tests" / "notebooks" / name for name in EXPECT if (root / "tests" / "notebooks" / name).exists()]
r = subprocess.run([sys.executable, str(here / "run_notebooks.py"), *map(str, order),
                    "--out", str(root / "target" / "runner-selftest"), "--timeout", "1800"],
                   capture_output=True, text=True)

# The runner prints "PASS|FAIL <path> (...)" for each notebook, then that notebook's problems.
sections, current = {}, None
for line in r.stdout.splitlines():
    m = re.match(r"^(PASS|FAIL) (\S+) \(", line)
    if m:
        current = pathlib.Path(m.group(2)).name
        sections[current] = [m.group(1)]
    elif current is not None:
        sections[current].append(line)

passed, failed = int(unit_ok), int(not unit_ok)
for nb in order:
    lines = sections.get(nb.name)
    verdict = lines[0] if lines else "missing"
    reason = re.search(EXPECT[nb.name], "\n".join(lines[1:])) if lines else None
    ok = verdict == "FAIL" and reason is not None
    print(f"{'ok  ' if ok else 'BAD '} {nb.name}: {verdict}"
          f"{', for the expected reason' if reason else ', expected reason /' + EXPECT[nb.name] + '/ not found'}")
    passed += ok
    failed += not ok
if r.returncode == 0:
    print("BAD  the runner exited 0 on broken notebooks")
    failed += 1
# The index links every executed notebook and marks each of these as failed.
index = root / "target" / "runner-selftest" / "index.html"
page = index.read_text() if index.exists() else ""
linked = all(f'href="{nb.stem}.html"' in page for nb in order)
ok = linked and page.count(">FAILED<") >= len(order)
print(f"{'ok  ' if ok else 'BAD '} index.html links every notebook and marks it failed")
passed += ok
failed += not ok
if failed:
    print(r.stdout[-6000:], r.stderr[-3000:])
print(f"runner self-test: {passed} passed, {failed} failed")
sys.exit(0 if failed == 0 and passed > 0 else 1)
