#!/usr/bin/env python3
"""Execute galaxy-lab notebooks headless through the evcxr Rust kernel.

Each notebook runs with its own folder as working directory and GALAXY_LAB_MODE=quick|full in
the kernel's environment. A notebook FAILS on any error output (compile errors, a kernel that
died from a panic), on any "panicked at" text, on any stderr output (that is how evcxr reports an
error returned with `?`; a cell tagged `stderr-ok` may write to stderr), on a galaxy-lab figure that
fell back to Debug text, and on a cell that times out. Output that evcxr forwards after its cell
has finished is put back on the cell it is labelled with (LateOutputClient), so it is judged like
the rest. The
failing cell's source and the compiler's message are printed. Executed copies (.ipynb), HTML
(figures inline) and every inline figure (PNG/SVG) are written under --out, with an index.html
that links every executed notebook there with its title, one-line summary, status and run time.

Build folder: every kernel of one run shares one evcxr build folder, target/evcxr-kernel
(EVCXR_TMPDIR), and a compile cache of its own, target/evcxr-cache (XDG_CACHE_HOME), so burn and
galaxy-lab are compiled once per run instead of once per notebook. With evcxr's default (a fresh
temporary folder per kernel) a cache filled by an earlier kernel records build-script outputs
under that kernel's deleted folder, so cargo calls every such crate (serde, burn, galaxy-lab, ...)
stale again at every cell: measured here, 7-13 s per trivial cell and ~55 s for `:dep`, against
3 s per cell with the shared folder. One kernel runs one notebook at a time, so sharing the folder
is safe. `--jobs 2` (what `make test` uses) starts a second kernel with a folder of its own beside
the first (EVCXR_TMPDIR + "-2"), copied from the first's whenever that has newer compiled
dependencies, so that cargo finds them built: beside the first notebook when the copy is up to
date and no galaxy-lab or burn-flex source is newer, else after the first notebook (which builds
the dependencies); the rest of the notebooks are split between the two kernels by the last `make test`'s
times (target/test-times.json). Cells spend most of their time in evcxr's per-cell compile (~1 s
each, one core), so two kernels use the machine's two cores where one left one idle.

Self-test (`--expect-fail tests/notebooks`): after the notebooks, in the same kernel, the
deliberately broken notebooks there run too, and each must fail for the reason written down in
tests/notebooks/expected_failures.json (scripts/test_runner.py checks their executed copies again).

Usage: run_notebooks.py [--mode quick] [--out target/reproduce] [--timeout 3600] [--jobs 1|2]
                        [--expect-fail tests/notebooks] NOTEBOOK...
Exit status: 0 if all notebooks passed and every broken one failed as expected, 1 otherwise.
"""
import argparse, base64, json, os, pathlib, re, sys, time

import nbformat
from jupyter_client.manager import KernelManager
import nbclient
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async

# LateOutputClient replaces one loop of nbclient's; it is written against this version (pinned in
# scripts/requirements.txt). Another version must be checked against it first.
if nbclient.__version__ != "0.11.0":
    sys.exit(f"run_notebooks.py: nbclient {nbclient.__version__} installed, written for 0.11.0 "
             "(LateOutputClient overrides its _async_poll_output_msg): `make setup` installs 0.11.0")

BAD_TEXT = ("panicked at", "error[E", "Child process terminated")
# evcxr falls back to Debug output when `(expr).evcxr_display()` does not compile (a `?` in the
# final expression, or a notebook variable moved by it). A galaxy-lab figure shown as Debug text
# is a broken figure.
DEBUG_FALLBACK = re.compile(r"^(Figure|Png|Svg|Table|Image) ?[{(]")


def problems(nb):
    """(cell index, source, message) for every failing output."""
    out = []
    for k, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for o in cell.get("outputs", []):
            if o.output_type == "error":
                msg = "\n".join([f"{o.get('ename', '')}: {o.get('evalue', '')}"] + o.get("traceback", []))
                out.append((k, cell.source, msg))
            elif o.output_type == "stream":
                if any(b in o.text for b in BAD_TEXT):
                    out.append((k, cell.source, o.text))
                elif o.name == "stderr" and "stderr-ok" not in cell.metadata.get("tags", []):
                    # evcxr reports an `Err` returned through `?` only as stderr text, so any
                    # stderr output fails the run (tag a cell `stderr-ok` to allow it).
                    out.append((k, cell.source, "stderr output (an error returned with `?`?):\n" + o.text))
            elif o.output_type in ("display_data", "execute_result"):
                txt = o.get("data", {}).get("text/plain", "")
                if isinstance(txt, list):
                    txt = "".join(txt)
                if any(b in txt for b in BAD_TEXT):
                    out.append((k, cell.source, txt))
                elif DEBUG_FALLBACK.match(txt):
                    out.append((k, cell.source, "figure displayed as Debug text (evcxr could not call "
                                "evcxr_display: avoid `?` and moving notebook variables in the final "
                                "expression; wrap the cell in a block, or call `.evcxr_display()` "
                                "on the figure):\n" + txt[:300]))
    return out


def save_figures(nb, folder):
    n = 0
    for k, cell in enumerate(nb.cells):
        for j, o in enumerate(cell.get("outputs", [])):
            data = o.get("data", {})
            if "image/png" in data:
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"cell{k:02d}_{j}.png").write_bytes(base64.b64decode(data["image/png"]))
                n += 1
            if "image/svg+xml" in data:
                folder.mkdir(parents=True, exist_ok=True)
                svg = data["image/svg+xml"]
                (folder / f"cell{k:02d}_{j}.svg").write_text(svg if isinstance(svg, str) else "".join(svg))
                n += 1
    return n


def write_atomic(path, text):
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


class Kernels:
    """One evcxr kernel per notebook folder, reset with `:clear` between notebooks.

    `:clear` gives the next notebook what a new kernel would (no variables, items or `:dep`s, and
    a new child process, so no statics or panic hooks survive), but keeps evcxr's rust-analyzer
    index of burn and galaxy-lab, which a new kernel spends ~90 s rebuilding (measured on a 2-core
    machine: ~55 s in `:dep`, ~35 s in the first cell that defines a variable). A kernel that died
    or failed to clear is replaced by a new one.

    `setup`: evcxr commands run once in each new kernel (kept by `:clear`, which keeps evcxr's
    configuration), e.g. `:opt 0`."""

    def __init__(self, kernel, timeout, setup=()):
        self.kernel, self.timeout, self.setup = kernel, timeout, list(setup)
        self.km, self.folder = None, None

    def for_folder(self, folder):
        if self.km is not None and self.folder == folder and self.km.is_alive() and self._run(":clear"):
            return self.km
        self.shutdown()
        self.km = KernelManager(kernel_name=self.kernel)
        self.km.start_kernel(cwd=str(folder))
        self.folder = folder
        for command in self.setup:
            if not self._run(command):
                raise RuntimeError(f"the new kernel refused `{command}`")
        return self.km

    def _run(self, command):
        """Runs one evcxr command in the kernel; True if it answered ok."""
        kc = self.km.client()
        kc.start_channels()
        try:
            kc.wait_for_ready(timeout=300)
            # A command (`:clear`, `:opt 0`) answers in seconds: waiting a cell's whole timeout for
            # one that does not would hold the run for an hour.
            reply = kc.execute_interactive(command, timeout=min(self.timeout, 300), output_hook=lambda m: None)
            return reply["content"]["status"] == "ok"
        except Exception as e:
            print(f"  (kernel command `{command}` failed: {type(e).__name__}: {e})")
            return False
        finally:
            kc.stop_channels()

    def shutdown(self):
        if self.km is not None:
            try:
                self.km.shutdown_kernel(now=True)
            except Exception:
                pass
        self.km, self.folder = None, None


# evcxr forwards a cell's stderr on its own thread, racing the cell's reply: the error text of a
# `?` in the last cell can reach the kernel's output channel after the notebook has finished (and
# be lost), or after the next cell has started (and be shown there). So every notebook gets one
# extra cell that waits, and catches what comes late; it is removed before the notebook is saved.
SENTINEL_TAG = "runner-sentinel"
SENTINEL = ("// run_notebooks.py: catches output of the last cell that evcxr forwards late\n"
            "std::thread::sleep(std::time::Duration::from_millis(500));")


# The messages that become a cell's outputs (what LateOutputClient keeps when they come late).
OUTPUT_MSG_TYPES = ("stream", "error", "display_data", "execute_result")


class LateOutputClient(NotebookClient):
    """A NotebookClient that keeps output arriving for a cell that has already finished.

    nbclient reads the kernel's output channel for the running cell only and drops messages whose
    parent is another request. evcxr sends a cell's reply and forwards the cell's stderr on
    different threads, and labels forwarded text with the request it received last. So the error
    text of a `?` can be labelled with its own cell but reach the channel after that cell's reply:
    nbclient then dropped it while it ran the next cell, and a notebook with an error passed (seen
    once in CI: tests/notebooks/broken_question_mark.ipynb reported PASS). Here such messages are
    kept (`late`), and `merge_late` puts them back on the cell whose request they carry, so the
    saved notebook shows them and `problems` sees them. Text that evcxr forwards even later, after
    the next request has arrived, is labelled with that next cell and shows there (it still fails
    the run unless that cell is tagged `stderr-ok`); the sentinel cell gives the last real cell's
    text time to arrive. Only the output channel's reading loop is replaced (nbclient is pinned in
    scripts/requirements.txt and checked above); everything else is nbclient's."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.late = []  # output messages whose parent is a request other than the running cell's
        self.cell_of_request = {}  # execute request msg_id -> cell index

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        # nbclient 0.11.0's loop, plus the request -> cell record and the `elif`: keep what it
        # would drop.
        assert self.kc is not None
        self.cell_of_request[parent_msg_id] = cell_index
        while True:
            msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=None))
            if msg["parent_header"].get("msg_id") == parent_msg_id:
                try:
                    self.process_message(msg, cell, cell_index)
                except CellExecutionComplete:
                    return
            elif msg["msg_type"] in OUTPUT_MSG_TYPES:
                self.late.append(msg)


def merge_late(nb, cell_of_request, late):
    """Appends each late output message to the cell whose request it answers (messages for
    requests outside this notebook, such as the runner's `:clear`, are ignored). Returns how many
    were merged."""
    merged = 0
    for msg in late:
        k = cell_of_request.get(msg["parent_header"].get("msg_id"))
        if k is None or k >= len(nb.cells):
            continue
        nb.cells[k].setdefault("outputs", []).append(nbformat.v4.output_from_msg(msg))
        merged += 1
    return merged


def run_one(path, mode, out, timeout, kernels, folder=None, report=True):
    """Runs one notebook in `kernels`' kernel for `folder` (its working directory; default: the
    notebook's own folder) and writes the executed copy, its HTML and figures under `out`.
    Returns (ok, what failed it as text). `report=False` prints neither the PASS/FAIL line nor the
    failing cells (the self-test's deliberately broken notebooks: the caller says whether each
    failed as it must)."""
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(SENTINEL, metadata={"tags": [SENTINEL_TAG]}))
    folder = (folder or path.parent).resolve()
    start = time.time()
    fatal = None
    client = None
    try:
        client = LateOutputClient(nb, km=kernels.for_folder(folder), timeout=timeout, startup_timeout=300,
                                  allow_errors=True, resources={"metadata": {"path": str(folder)}})
        client.execute()
    except Exception as e:  # a cell timeout, a dead kernel, a kernel that would not start
        fatal = f"{type(e).__name__}: {e}"
        kernels.shutdown()
    finally:
        if client is not None and client.kc is not None:
            client.kc.stop_channels()
    secs = time.time() - start
    late = merge_late(nb, client.cell_of_request, client.late) if client is not None else 0
    found = problems(nb)
    # Output that landed on the sentinel (the last real cell's, forwarded late) moves to the last
    # real cell, so the saved notebook shows what failed it.
    real = [c for c in nb.cells if SENTINEL_TAG not in c.metadata.get("tags", [])]
    sentinel_out = [o for c in nb.cells if SENTINEL_TAG in c.metadata.get("tags", []) for o in c.get("outputs", [])]
    last_code = next((c for c in reversed(real) if c.cell_type == "code"), None)
    if sentinel_out and last_code is not None:
        last_code.setdefault("outputs", []).extend(sentinel_out)
    nb.cells = real
    out.mkdir(parents=True, exist_ok=True)
    write_atomic(out / path.name, nbformat.writes(nb))
    try:
        from nbconvert import HTMLExporter
        html, _ = HTMLExporter().from_notebook_node(nb)
        write_atomic(out / (path.stem + ".html"), html)
    except Exception as e:
        print(f"  (HTML export failed: {e})")
    figs = save_figures(nb, out / "figures" / path.stem)
    ok = not found and fatal is None
    if report:
        print(f"{'PASS' if ok else 'FAIL'} {path} ({secs:.0f} s, {figs} figures, mode {mode})", flush=True)
    if late:
        print(f"  ({late} output message(s) arrived after their cell had finished; shown on that cell)")
    text = "\n".join(([fatal] if fatal else []) + [f"cell {k}: {msg}" for k, _, msg in found])
    if report:
        if fatal:
            print(f"  {fatal}")
        for k, src, msg in found:
            print(f"  --- cell {k} ---\n{src}\n  --- output ---\n{msg}\n", flush=True)
    return ok, text


# The runner's self-test (`--expect-fail DIR`): DIR holds deliberately broken notebooks and
# EXPECTED_FAILURES, which says, in order, why each must fail (a regular expression matched against
# what failed it). They run after the notebooks in the same kernel, with the working directory of
# the product notebooks (NOTEBOOKS_FOLDER), so they reuse its loaded crate graph instead of paying
# a new kernel's ~90 s; each must fail for its own reason, so a failure carried over from an
# earlier notebook's broken kernel does not count.
EXPECTED_FAILURES = "expected_failures.json"
NOTEBOOKS_FOLDER = pathlib.Path(__file__).resolve().parent.parent / "notebooks"


def expected_failures(folder):
    """[(notebook path, reason pattern)] from folder/EXPECTED_FAILURES, in its order. Every
    notebook in the folder needs an entry and every entry a notebook (ValueError naming it)."""
    spec_path = folder / EXPECTED_FAILURES
    try:
        spec = json.loads(spec_path.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{spec_path}: cannot read the expected failures ({e})")
    if not isinstance(spec, dict) or not spec or not all(isinstance(v, str) for v in spec.values()):
        raise ValueError(f"{spec_path}: must map each notebook's file name to a reason pattern")
    unknown = sorted(p.name for p in folder.glob("*.ipynb") if p.name not in spec)
    if unknown:
        raise ValueError(f"{spec_path}: no expected failure written down for {unknown}")
    missing = [name for name in spec if not (folder / name).exists()]
    if missing:
        raise ValueError(f"{spec_path}: names notebooks that do not exist: {missing}")
    for name, pattern in spec.items():
        try:
            re.compile(pattern)
        except re.error as e:
            raise ValueError(f"{spec_path}: the pattern for {name} is not a regular expression ({e})")
    return [(folder / name, pattern) for name, pattern in spec.items()]


def failed_as_expected(ok, text, pattern):
    """A deliberately broken notebook met its expectation: it failed, for the expected reason."""
    return not ok and re.search(pattern, text) is not None


def exit_code(ordinary, broken):
    """The runner's exit status: 0 only if every ordinary notebook passed (`ordinary`: their ok
    flags) and every deliberately broken one failed for its expected reason (`broken`: flags from
    failed_as_expected); 1 otherwise, and 1 when nothing ran."""
    if not ordinary and not broken:
        return 1
    return 0 if all(ordinary) and all(broken) else 1


def kernel_build_config(root, tmpdir, cache):
    """Makes the kernel build what the CLI builds. evcxr writes its own manifest (`[profile.dev]`
    with debug assertions and overflow checks on, nothing else) and runs cargo inside its tmpdir;
    cargo reads `.cargo/config.toml` from every folder above it, so a config in the tmpdir's
    parent gives the kernel galaxy-lab's `[patch.crates-io]` (the vendored burn-flex) and its
    dependency profile (no debug assertions or overflow checks in burn). Returns the config path.

    evcxr's `:cache` keys compiled crates by their rustc arguments, not their sources: when the
    vendored burn-flex changes, crates built on top of it would be stale, so the cache folder is
    emptied then (its marker file holds a hash of vendor/burn-flex)."""
    import hashlib, shutil
    vendor = root / "vendor" / "burn-flex"
    config = tmpdir.parent / ".cargo" / "config.toml"
    text = (
        "# Written by scripts/run_notebooks.py for the evcxr kernel's builds (its tmpdir is below).\n"
        "[patch.crates-io]\n"
        f"burn-flex = {{ path = {json.dumps(str(vendor))} }}\n\n"
        "[profile.dev.package.\"*\"]\n"
        "opt-level = 2\ndebug = false\ndebug-assertions = false\noverflow-checks = false\n\n"
        "[profile.dev.package.galaxy-lab]\ndebug-assertions = true\noverflow-checks = true\n"
    )
    config.parent.mkdir(parents=True, exist_ok=True)
    if not config.exists() or config.read_text() != text:
        write_atomic(config, text)
    tmpdir.mkdir(parents=True, exist_ok=True)
    lock = tmpdir / "Cargo.lock"
    if not lock.exists() and (root / "Cargo.lock").exists():
        shutil.copyfile(root / "Cargo.lock", lock)
    h = hashlib.sha256()
    for f in sorted(vendor.rglob("*")):
        if f.is_file() and "target" not in f.relative_to(vendor).parts:
            h.update(str(f.relative_to(vendor)).encode())
            h.update(f.read_bytes())
    evcxr_cache = cache / "evcxr"  # only evcxr's own folder: XDG_CACHE_HOME may be the user's
    marker = evcxr_cache / "galaxy-lab-vendor-hash"
    if marker.exists() and marker.read_text() != h.hexdigest():
        print(f"vendor/burn-flex changed: emptying the kernel's compilation cache {evcxr_cache}")
        shutil.rmtree(evcxr_cache, ignore_errors=True)
    evcxr_cache.mkdir(parents=True, exist_ok=True)
    marker.write_text(h.hexdigest())
    return config


def first_sentence(text, limit=240):
    """The first sentence of `text` (not ended by "et al.", "e.g.", "Fig." and the like), cut
    to `limit` characters."""
    for m in re.finditer(r"[.!?](\s|$)", text):
        words = text[: m.start()].split()
        last = words[-1].lower() if words else ""
        if last in ("al", "e.g", "i.e", "cf", "fig", "figs", "eq", "eqs", "vs", "sec") or len(last) == 1:
            continue
        text = text[: m.start() + 1]
        break
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def summary_of(nb):
    """Title (the first markdown heading) and one-line summary (the first sentence after it)."""
    title, summary = None, ""
    for cell in nb.get("cells", []):
        if cell.get("cell_type") != "markdown":
            continue
        text = "".join(cell.get("source", []))
        for line in text.splitlines():
            line = line.strip()
            if not line:
                continue
            if title is None and line.startswith("#"):
                title = line.lstrip("#").strip()
            elif title is not None and not line.startswith("#"):
                plain = re.sub(r"[*_`$]", "", line)
                plain = re.sub(r"\[([^]]*)\]\([^)]*\)", r"\1", plain)
                summary = first_sentence(plain)
                return re.sub(r"[$`*]", "", title), summary
    return title or "", summary


def write_index(out, status, heading="the executed notebooks"):
    """out/index.html: every executed notebook in `out`, in order, linked to its HTML, with its
    title, summary, and this run's status and time (`status`: stem -> (ok, seconds))."""
    import html as h
    rows = []
    for nbpath in sorted(out.glob("*.ipynb")):
        try:
            nb = json.loads(nbpath.read_text())
        except (OSError, ValueError):
            continue
        title, summary = summary_of(nb)
        ok, secs = status.get(nbpath.stem, (None, None))
        state = "not run this time" if ok is None else ("passed" if ok else "FAILED")
        when = "" if secs is None else f"{secs:.0f} s"
        rows.append(
            f'<tr><td><a href="{h.escape(nbpath.stem)}.html">{h.escape(nbpath.stem)}</a></td>'
            f"<td><b>{h.escape(title)}</b><br>{h.escape(summary)}</td>"
            f"<td>{state}</td><td>{when}</td></tr>"
        )
    mode = os.environ.get("GALAXY_LAB_MODE", "quick")
    page = (
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>galaxy-lab notebooks</title>"
        "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto}"
        "td{padding:.4em .8em;vertical-align:top;border-bottom:1px solid #ddd}</style></head><body>"
        f"<h1>galaxy-lab: {h.escape(heading)} ({h.escape(mode)} mode)</h1>"
        "<p>Each page is a notebook as it ran, figures inline. Written by scripts/run_notebooks.py "
        f"on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.</p>"
        "<table><tr><th>notebook</th><th>what it does</th><th>status</th><th>time</th></tr>"
        + "".join(rows) + "</table></body></html>\n"
    )
    write_atomic(out / "index.html", page)


def record_time(times, name, t0, ok):
    """Appends the line `make test`'s timing table reads (scripts/stage.py) to `times`, if given."""
    if times:
        with open(times, "a") as f:
            f.write(f"notebook:{name}\t{time.time() - t0:.1f}\t{0 if ok else 1}\n")


def start_kernel_ahead(kernels, notebook, timeout):
    """Starts the kernel for `notebook`'s folder and runs its `:dep` cell and one variable in it,
    so the second kernel's start (~25 s) and evcxr's first indexing of the crates (~35 s) show in
    the timing table as their own row instead of inside the first notebook's time. True if it
    ran without error (the notebook itself is judged on its own either way)."""
    nb = nbformat.read(notebook, as_version=4)
    dep = next((c.source for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith(":dep")), None)
    if dep is None:
        return True
    warm = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(dep),
                                           nbformat.v4.new_code_cell("let kernel_warm_up = 1u8;")])
    client = None
    try:
        client = NotebookClient(warm, km=kernels.for_folder(pathlib.Path(notebook).parent.resolve()),
                                timeout=timeout, startup_timeout=300, allow_errors=True)
        client.execute()
    except Exception as e:
        print(f"  (starting the second kernel ahead failed: {type(e).__name__}: {e})")
        kernels.shutdown()
        return False
    finally:  # as in run_one: a client left listening kept the next `:clear` from being answered
        if client is not None and client.kc is not None:
            client.kc.stop_channels()
    return not problems(warm)


def previous_times(path):
    """{notebook stem: seconds} from an earlier `make test`'s target/test-times.json ({} if none)."""
    try:
        stages = json.loads(path.read_text())["stages"]
        return {r["stage"][len("notebook:"):]: float(r["seconds"]) for r in stages
                if r["stage"].startswith("notebook:") and "/" not in r["stage"]}
    except (OSError, ValueError, KeyError, TypeError):
        return {}


def split_between_kernels(notebooks, times, selftest_seconds=0, new_kernel_seconds=90, unknown=60):
    """Splits `notebooks` between this process's kernel (which also runs the self-test after them,
    `selftest_seconds`) and a second one (which first spends `new_kernel_seconds` starting and
    indexing the crates), longest first to the less loaded, by `times` (stem -> seconds; a
    notebook without one counts `unknown`). Returns (mine, theirs), each in the given order."""
    load = [float(selftest_seconds), float(new_kernel_seconds)]
    side = {}
    order = sorted(notebooks, key=lambda p: -times.get(pathlib.Path(p).stem, unknown))
    for p in order:
        k = 0 if load[0] <= load[1] else 1
        side[p] = k
        load[k] += times.get(pathlib.Path(p).stem, unknown)
    return [p for p in notebooks if side[p] == 0], [p for p in notebooks if side[p] == 1]


COPY_MARKER = ".galaxy-lab-copied-from"


def second_folder(tmpdir):
    """The second kernel's build folder, beside the first's (`tmpdir`)."""
    return tmpdir.with_name(tmpdir.name + "-2")


def newest_dependency(tmpdir):
    """The newest modification time of the compiled dependencies in evcxr's build folder `tmpdir`
    (0 if none): not the cells' own crate (`ctx`), rebuilt at every cell, nor evcxr's copies of
    each cell's library (libcode_<n>.so)."""
    built = [f for d in (tmpdir / "target").glob("**/debug/deps") for f in d.iterdir()
             if f.is_file() and not f.name.startswith(("ctx", "libctx", "libcode_"))]
    return max((f.stat().st_mtime for f in built), default=0.0)


def copied_from(second):
    """The dependency time the second folder was copied at (-1 if never)."""
    try:
        return float((second / COPY_MARKER).read_text())
    except (OSError, ValueError):
        return -1.0


def second_kernel_can_start_now(tmpdir, root):
    """True when the second kernel need not wait for the first notebook: its folder is a copy of
    the first's newest dependencies, and no source of galaxy-lab or of the vendored burn-flex is
    newer than them (so the first notebook will not rebuild anything that the copy lacks)."""
    newest = newest_dependency(tmpdir)
    if newest <= 0 or copied_from(second_folder(tmpdir)) < newest:
        return False
    sources = [root / "Cargo.toml", root / "Cargo.lock"] + [
        f for d in (root / "src", root / "vendor" / "burn-flex") for f in d.rglob("*")
        if f.is_file() and "target" not in f.relative_to(root).parts]
    return max(f.stat().st_mtime for f in sources if f.exists()) < newest


def second_build_folder(tmpdir):
    """The second kernel's build folder beside the first's, refreshed from it (a copy, so cargo
    finds the dependencies built and does not compile them a second time) whenever the first's
    compiled dependencies are newer than the last copy."""
    import shutil
    second = second_folder(tmpdir)
    newest, copied = newest_dependency(tmpdir), copied_from(second)
    marker = second / COPY_MARKER
    if newest > copied:
        t0 = time.time()
        shutil.rmtree(second, ignore_errors=True)
        shutil.copytree(tmpdir, second, symlinks=True)
        marker.write_text(repr(newest))
        print(f"second kernel's build folder {second}: copied from {tmpdir} ({time.time() - t0:.0f} s)", flush=True)
    return second


def start_worker(a, notebooks, tmpdir, out):
    """Runs `notebooks` in a second runner process (its own kernel and build folder) beside this
    one; returns (process, notebooks, status file) for finish_worker."""
    import subprocess, tempfile
    if not notebooks:
        return None
    env = dict(os.environ, EVCXR_TMPDIR=str(second_build_folder(tmpdir)))
    fd, status_file = tempfile.mkstemp(prefix="run_notebooks-", suffix=".json")
    os.close(fd)
    cmd = [sys.executable, str(pathlib.Path(__file__).resolve()), "--mode", a.mode, "--out", str(out),
           "--timeout", str(a.timeout), "--kernel", a.kernel, "--status-out", status_file]
    if a.times:
        cmd += ["--times", a.times]
    print(f"second kernel: {', '.join(pathlib.Path(p).stem for p in notebooks)}", flush=True)
    try:
        return subprocess.Popen(cmd + list(notebooks), env=env), list(notebooks), status_file
    except OSError:
        pathlib.Path(status_file).unlink(missing_ok=True)
        raise


def finish_worker(worker):
    """Waits for the second runner; {stem: (ok, seconds)} for each of its notebooks (a notebook it
    did not report, e.g. because it died, counts as failed)."""
    proc, notebooks, status_file = worker
    proc.wait()
    try:
        got = json.loads(pathlib.Path(status_file).read_text() or "{}")
    except (OSError, ValueError):
        got = {}
    finally:
        pathlib.Path(status_file).unlink(missing_ok=True)
    result = {}
    for p in notebooks:
        stem = pathlib.Path(p).stem
        ok, secs = got.get(stem, (False, None))
        if stem not in got:
            print(f"FAIL {p}: the second kernel's runner did not report it (exit status {proc.returncode})")
        result[stem] = (bool(ok), secs)
    return result


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--mode", default=os.environ.get("GALAXY_LAB_MODE", "quick"), choices=["quick", "full"])
    ap.add_argument("--out", default="target/reproduce")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    ap.add_argument("--kernel", default="rust")
    ap.add_argument("--times", help="append one 'notebook:<name>\\t<seconds>\\t<status>' line per notebook here")
    ap.add_argument("--jobs", type=int, default=1, choices=[1, 2],
                    help="kernels at once: with 2, a second kernel, with a build folder of its own copied "
                         "from the first's, runs part of the notebooks after the first (split by the last "
                         "run's times); it starts beside the first notebook unless that one must rebuild "
                         "the dependencies first")
    ap.add_argument("--status-out", help=argparse.SUPPRESS)  # a --jobs worker: {stem: [ok, seconds]} here
    ap.add_argument("--expect-fail", metavar="DIR",
                    help="then, in the same kernel, the runner's self-test: DIR's deliberately broken notebooks, "
                         f"each of which must fail for the reason DIR/{EXPECTED_FAILURES} gives (written to OUT/selftest/)")
    a = ap.parse_args()
    if not a.notebooks and not a.expect_fail:
        ap.error("no notebooks to run (name some, or --expect-fail DIR)")
    broken = []
    if a.expect_fail:
        try:
            broken = expected_failures(pathlib.Path(a.expect_fail))
        except ValueError as e:
            ap.error(str(e))
    target = pathlib.Path(__file__).resolve().parent.parent / "target"
    os.environ.setdefault("EVCXR_TMPDIR", str(target / "evcxr-kernel"))
    os.environ.setdefault("XDG_CACHE_HOME", str(target / "evcxr-cache"))
    tmpdir = pathlib.Path(os.environ["EVCXR_TMPDIR"]).resolve()
    # Each cell's own code at opt-level 0 (evcxr's default is 2): a cell compiles in ~1.2 s instead
    # of ~1.6 s (notebook 03, 2026-12-05: its cells after `:dep` 40 s against 49 s). Only with the
    # cargo configuration below, which keeps galaxy-lab, burn and the rest at opt-level 2: without
    # it, evcxr's opt-level is also its dependencies'.
    setup = []
    if target.resolve() in tmpdir.parents:  # a cargo config only where it touches nothing else
        if not a.status_out:  # a --jobs worker's parent has written it (and checked the cache)
            kernel_build_config(target.parent, tmpdir, pathlib.Path(os.environ["XDG_CACHE_HOME"]))
        setup.append(":opt 0")
    else:
        print(f"EVCXR_TMPDIR={tmpdir} is outside target/: the kernel builds without galaxy-lab's "
              "[patch] and profile (scripts/run_notebooks.py, kernel_build_config)")
    os.environ["GALAXY_LAB_MODE"] = a.mode
    kernels = Kernels(a.kernel, a.timeout, setup)
    out = pathlib.Path(a.out)
    selftest_out = out / "selftest"
    if broken:  # no executed copy from an earlier run may stand in for this run's
        for old in list(selftest_out.glob("*.ipynb")) + list(selftest_out.glob("*.html")):
            old.unlink()
    ordinary, met = [], []
    status, selftest_status = {}, {}
    worker = None

    def run_ordinary(p):
        t0 = time.time()
        ok, _ = run_one(pathlib.Path(p), a.mode, out, a.timeout, kernels)
        status[pathlib.Path(p).stem] = (ok, time.time() - t0)
        ordinary.append(ok)
        record_time(a.times, pathlib.Path(p).stem, t0, ok)
    try:
        mine = list(a.notebooks)
        if a.jobs == 2 and len(mine) >= 3:
            first, rest = mine[0], mine[1:]
            times = previous_times(target / "test-times.json")
            # Nothing to rebuild: the second kernel starts beside the first notebook. Otherwise
            # it waits for the first notebook's build, then gets a copy of it.
            early = second_kernel_can_start_now(tmpdir, target.parent)

            def split_and_start(first_load):
                mine, theirs = split_between_kernels(rest, times, selftest_seconds=(30 if broken else 0) + first_load)
                try:
                    return mine, start_worker(a, theirs, tmpdir, out)
                except OSError as e:  # e.g. no disk space for the copy: one kernel runs them all
                    print(f"second kernel not started ({e}): the first runs its notebooks too", flush=True)
                    return rest, None
            if early:
                mine, worker = split_and_start(times.get(pathlib.Path(first).stem, 60))
            run_ordinary(first)
            if not early:
                mine, worker = split_and_start(0)
        if a.status_out and mine:  # the second kernel's runner: its start gets a row of its own
            t0 = time.time()
            record_time(a.times, "kernel-2-start", t0, start_kernel_ahead(kernels, pathlib.Path(mine[0]), a.timeout))
        for p in mine:
            run_ordinary(p)
        for p, pattern in broken:
            t0 = time.time()
            ok, text = run_one(p, a.mode, selftest_out, a.timeout, kernels, folder=NOTEBOOKS_FOLDER, report=False)
            good = failed_as_expected(ok, text, pattern)
            met.append(good)
            selftest_status[p.stem] = (ok, time.time() - t0)
            print(f"self-test {p} ({time.time() - t0:.0f} s): "
                  + ("failed, as it must, for the expected reason" if good else "did NOT fail as it must")
                  + f" (/{pattern}/)" + ("" if good else f"; what it reported:\n{text or '(nothing)'}"), flush=True)
            record_time(a.times, f"selftest/{p.stem}", t0, good)
    except BaseException:  # an interrupt or a runner error: the second kernel's runner stops too
        if worker is not None:
            worker[0].terminate()
        raise
    finally:
        kernels.shutdown()
        if worker is not None:
            for stem, (ok, secs) in finish_worker(worker).items():
                status[stem] = (ok, secs)
                ordinary.append(ok)
        if a.status_out:
            write_atomic(pathlib.Path(a.status_out), json.dumps({k: list(v) for k, v in status.items()}))
        elif a.notebooks:
            write_index(out, status)
        if broken:
            write_index(selftest_out, selftest_status,
                        "the runner's self-test (deliberately broken notebooks: each must fail)")
    print(f"notebooks: {sum(ordinary)} passed, {len(ordinary) - sum(ordinary)} failed; index: {out / 'index.html'}")
    if broken:
        print(f"runner self-test: {sum(met)} of {len(met)} broken notebooks failed for their expected reason; "
              f"index: {selftest_out / 'index.html'}")
    return exit_code(ordinary, met)


if __name__ == "__main__":
    sys.exit(main())
