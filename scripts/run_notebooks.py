#!/usr/bin/env python3
"""Execute galaxy-lab notebooks headless through the evcxr Rust kernel.

Each notebook runs with its own folder as working directory and GALAXY_LAB_MODE=quick|full in
the kernel's environment. A notebook FAILS on any error output (compile errors, a kernel that
died from a panic), on any "panicked at" text, on any stderr output (that is how evcxr reports an
error returned with `?`; a cell tagged `stderr-ok` may write to stderr), on a galaxy-lab figure that
fell back to Debug text, and on a cell that times out. The
failing cell's source and the compiler's message are printed. Executed copies (.ipynb), HTML and
every inline figure (PNG/SVG) are written under --out.

Usage: run_notebooks.py [--mode quick] [--out target/reproduce] [--timeout 3600] NOTEBOOK...
Exit status: 0 if all notebooks passed, 1 otherwise. Last line: "N passed, M failed".
"""
import argparse, base64, os, pathlib, re, sys, time

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

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
                                "expression; wrap the cell in a block):\n" + txt[:300]))
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


def run_one(path, mode, out, timeout, kernel):
    nb = nbformat.read(path, as_version=4)
    os.environ["GALAXY_LAB_MODE"] = mode
    client = NotebookClient(nb, kernel_name=kernel, timeout=timeout, startup_timeout=300,
                            allow_errors=True, resources={"metadata": {"path": str(path.parent.resolve())}})
    start = time.time()
    fatal = None
    try:
        client.execute()
    except (CellTimeoutError, DeadKernelError) as e:
        fatal = f"{type(e).__name__}: {e}"
    except Exception as e:  # kernel start failures and the like
        fatal = f"{type(e).__name__}: {e}"
    secs = time.time() - start
    found = problems(nb)
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
    print(f"{'PASS' if ok else 'FAIL'} {path} ({secs:.0f} s, {figs} figures, mode {mode})", flush=True)
    if fatal:
        print(f"  {fatal}")
    for k, src, msg in found:
        print(f"  --- cell {k} ---\n{src}\n  --- output ---\n{msg}\n", flush=True)
    return ok


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("notebooks", nargs="+")
    ap.add_argument("--mode", default=os.environ.get("GALAXY_LAB_MODE", "quick"), choices=["quick", "full"])
    ap.add_argument("--out", default="target/reproduce")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    ap.add_argument("--kernel", default="rust")
    a = ap.parse_args()
    passed = failed = 0
    for p in a.notebooks:
        if run_one(pathlib.Path(p), a.mode, pathlib.Path(a.out), a.timeout, a.kernel):
            passed += 1
        else:
            failed += 1
    print(f"notebooks: {passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
