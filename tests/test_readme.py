"""The README as a newcomer reads it: the commands say how they run, and the data has a source."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> list[tuple[int, str]]:
    """(line number, line) of every line inside a ``sh`` or bare fenced block."""
    out, inside = [], None
    for n, line in enumerate(README.splitlines()):
        if line.startswith("```"):
            inside = None if inside is not None else line[3:].strip()
        elif inside in ("sh", ""):
            out.append((n, line.strip()))
    return out


def test_the_venv_is_explained_before_any_bare_python_command() -> None:
    told = README[:README.index("source .venv/bin/activate")].count("\n")
    bare = [(at, line) for at, line in _commands() if re.match(r"(\w+=\S+ )*(python|pip) ", line)]
    assert bare, "the README has commands"
    assert all(at > told for at, _ in bare), [line for at, line in bare if at < told]


def test_every_data_set_has_a_source_and_no_command_uses_the_developers_shared_folder() -> None:
    assert "../shared" not in README, "a path only the developers' machine has"
    assert "10.5281/zenodo.1195803" in README.split("## Using it")[0], "where UNIPEN comes from, up front"
    assert "DIGITPAD_MNIST" in README.split("## Using it")[0]


def test_a_bare_python_without_the_venv_fails_as_the_readme_says() -> None:
    # The README's warning is true: a Python without the project's libraries cannot run train.py.
    probe = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('tqdm') else 3)"
    system = Path("/usr/bin/python3")
    if not system.is_file() or subprocess.run([str(system), "-c", probe]).returncode == 0:
        pytest.skip("this machine's system Python has the libraries: nothing to show")
    run = subprocess.run([str(system), "train.py", "--help"], cwd=REPO, capture_output=True, text=True)
    assert run.returncode != 0 and "No module named" in run.stderr
    ok = subprocess.run([sys.executable, "train.py", "--help"], cwd=REPO, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr


def test_the_readme_quotes_the_bundled_model_as_its_file_says() -> None:
    # Figures typed by hand go stale (issue 23: "99.37% ... 100 epochs" beside a 200-epoch model); the
    # README quotes benchmarks/readme_figures.py's line, which reads the weights file itself.
    sys.path.insert(0, str(REPO / "benchmarks"))
    try:
        from readme_figures import bundled
    finally:
        sys.path.remove(str(REPO / "benchmarks"))
    assert f'"{bundled()}"' in " ".join(README.split()), bundled()
