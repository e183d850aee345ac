#!/usr/bin/env python3
"""Write a notebook from a compact Python description (used to author notebooks/*.ipynb).
Cells are ("md", text) or ("code", text). The sources of the committed notebooks are in
scripts/authoring/: run them from the repository root, e.g. `.venv/bin/python scripts/authoring/00_tour.py`."""
import nbformat


def write(path, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"display_name": "Rust", "language": "rust", "name": "rust"}
    nb.metadata["language_info"] = {"name": "Rust", "file_extension": ".rs", "mimetype": "text/rust"}
    for kind, text in cells:
        text = text.strip("\n")
        nb.cells.append(nbformat.v4.new_markdown_cell(text) if kind == "md" else nbformat.v4.new_code_cell(text))
    nbformat.write(nb, path)
