#!/usr/bin/env python3
"""Compile-check a notebook's Rust cells outside evcxr (seconds instead of a kernel run):
writes examples/nbcheck_<name>.rs with every code cell inside one `main`, so
`cargo build --example nbcheck_<name>` type-checks the notebook. Usage: nb_to_example.py NB..."""
import nbformat, pathlib, sys

for p in sys.argv[1:]:
    nb = nbformat.read(p, 4)
    body = []
    for c in nb.cells:
        if c.cell_type != "code" or c.source.startswith(":"):
            continue
        src = c.source.strip()
        lines = src.split("\n")
        if src.startswith("{"):
            body.append("let _ = " + src + ";")
        elif lines[-1].strip() and not lines[-1].rstrip().endswith((";", "}")):
            body.append("\n".join(lines[:-1] + ["let _ = " + lines[-1] + ";"]))
        else:
            body.append(src)
    name = "nbcheck_" + pathlib.Path(p).stem
    out = pathlib.Path("examples") / (name + ".rs")
    out.parent.mkdir(exist_ok=True)
    out.write_text("#![allow(unused)]\nfn main() -> galaxy_lab::Result<()> {\n" + "\n".join(body) + "\nOk(())\n}\n")
    print(name)
