"""The package as a user installs it: a wheel in a fresh virtual environment, used from another folder.

The wheel is built from a copy of the sources (pyproject.toml, README.md,
gmm_anim/), so the build writes nothing into the working tree and the test
sees exactly what the wheel must carry. Its dependencies come from the
package index pip is configured with, as for any user.
"""

from __future__ import annotations

import email.parser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT

pytestmark = pytest.mark.slow

WAIT = 600  # seconds for a build or an install on a loaded machine
OUTSIDE = {"VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "GMM_ANIM_DEBUG"}
RUNTIME = {"numpy", "matplotlib", "pillow", "typer", "pyyaml", "pydantic", "imageio-ffmpeg"}


def run(command: list[str | Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``command`` outside the project's environment (pip's own settings kept), asserting success."""
    env = {key: value for key, value in os.environ.items() if key not in OUTSIDE}
    env["PATH"] = os.pathsep.join(
        part for part in env.get("PATH", "").split(os.pathsep) if part and Path(part) != Path(sys.executable).parent
    )
    finished = subprocess.run(
        [str(part) for part in command],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=WAIT,
        env={**env, "MPLBACKEND": "Agg"},
    )
    assert finished.returncode == 0, f"{command}:\n{finished.stdout}\n{finished.stderr}"
    return finished


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    """A copy of what the build reads."""
    copy = tmp_path_factory.mktemp("sources")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, copy / name)
    shutil.copytree(ROOT / "gmm_anim", copy / "gmm_anim", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return copy


@pytest.fixture(scope="module")
def wheel(sources, tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", ".", "-w", folder], cwd=sources)
    (built,) = folder.glob("gmm_anim-*.whl")
    return built


@pytest.fixture(scope="module")
def environment(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment (no system site-packages) with the wheel and its runtime dependencies."""
    venv = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", venv], cwd=venv)
    run([venv / "bin" / "python", "-m", "pip", "install", "--quiet", wheel], cwd=venv)
    return venv


def test_the_wheel_carries_every_module_the_example_config_and_py_typed(wheel, sources):
    names = set(zipfile.ZipFile(wheel).namelist())
    modules = {path.relative_to(sources).as_posix() for path in (sources / "gmm_anim").rglob("*.py")}
    assert {
        "gmm_anim/config/__init__.py",
        "gmm_anim/em/__init__.py",
        "gmm_anim/drawing/__init__.py",
        "gmm_anim/write/__init__.py",
    } <= modules
    assert modules <= names, sorted(modules - names)
    assert {"gmm_anim/example.yaml", "gmm_anim/py.typed"} <= names
    assert not [name for name in names if name.startswith(("tests/", "configs/", "bench/", "scripts/"))]


def test_the_wheel_needs_only_the_runtime_dependencies(wheel):
    archive = zipfile.ZipFile(wheel)
    (metadata,) = [name for name in archive.namelist() if name.endswith(".dist-info/METADATA")]
    message = email.parser.Parser().parsestr(archive.read(metadata).decode())
    requirements = message.get_all("Requires-Dist")
    runtime = {
        requirement.split(">")[0].split("=")[0].split(";")[0].strip().lower()
        for requirement in requirements
        if "extra ==" not in requirement
    }
    assert runtime == RUNTIME
    assert any(line.startswith("scikit-learn") and 'extra == "dev"' in line for line in requirements)
    (entry_points,) = [name for name in archive.namelist() if name.endswith(".dist-info/entry_points.txt")]
    assert "gmm-anim = gmm_anim.cli:main" in archive.read(entry_points).decode()


def test_init_then_render_from_another_folder(environment, tmp_path):
    gmm_anim = environment / "bin" / "gmm-anim"
    python = environment / "bin" / "python"
    where = run([python, "-c", "import gmm_anim, sys; print(gmm_anim.__file__); print(sys.prefix)"], cwd=tmp_path)
    module, prefix = where.stdout.splitlines()
    assert Path(module).is_relative_to(environment) and not Path(module).is_relative_to(ROOT), module
    assert Path(prefix) == environment
    missing = run([python, "-c", "import importlib.util as u; print(u.find_spec('sklearn') is None)"], cwd=tmp_path)
    assert missing.stdout == "True\n"  # the test-only oracle is not a runtime dependency

    created = run([gmm_anim, "init"], cwd=tmp_path)
    assert created.stdout == "wrote gmm-anim.yaml; next: gmm-anim render gmm-anim.yaml\n"
    rendered = run([gmm_anim, "render", "gmm-anim.yaml"], cwd=tmp_path)
    assert rendered.stderr.startswith("wrote gmm-anim.gif (")
    assert (tmp_path / "gmm-anim.gif").read_bytes().startswith(b"GIF89a")
    has_types = "import importlib.resources as r; print(r.files('gmm_anim').joinpath('py.typed').is_file())"
    assert run([python, "-c", has_types], cwd=tmp_path).stdout == "True\n"
