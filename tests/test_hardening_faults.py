"""Faults while running, in real processes: signals, unwritable outputs, a full disk, --debug.

Each case runs ``python -m gmm_anim`` as a child process. Waits are generous
and nothing is timed: a signal is sent once the render's temporary file
exists, and each child gets minutes to finish, so a loaded machine only
makes the tests slower.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # child processes, signals and a small disk

PREVIOUS = b"GIF89a: the previous render, which a failed one must leave alone"
# Rendering 401 frames of 800 x 800 takes many seconds: long enough to be interrupted.
SLOW = """\
samples: 400
weights: [0.5, 0.5]
means: [[0, 0], [4, 4]]
covariances: [1.0, [[1.0, 0.3], [0.3, 0.6]]]
iterations: 400
render: {width: 800, height: 800}
"""
QUICK = SLOW.replace("iterations: 400", "iterations: 6").replace("800", "200")
LARGER = SLOW.replace("iterations: 400", "iterations: 20").replace("800", "400")  # a GIF of about 150 kB
BAD = "samples: true\nweights: [1]\nmeans: [[0, 0]]\ncovariances: [1]\n"
WAIT = 300  # seconds a child may take on a loaded machine before the test gives up


def child_env(**extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "GMM_ANIM_DEBUG"}
    return {**env, "MPLBACKEND": "Agg", **extra}


def start(args: list[str], cwd: Path, preexec=None, **env: str) -> subprocess.Popen:
    def prepare() -> None:
        # A shell starts background jobs with SIGINT ignored; Ctrl-C at a terminal finds it at its default.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        if preexec is not None:
            preexec()

    return subprocess.Popen(
        [sys.executable, "-m", "gmm_anim", *args], cwd=cwd, env=child_env(**env),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=prepare,
    )  # fmt: skip


def finish(process: subprocess.Popen) -> tuple[int, str]:
    try:
        _, stderr = process.communicate(timeout=WAIT)
    except subprocess.TimeoutExpired:
        process.kill()
        with suppress(subprocess.TimeoutExpired):
            process.communicate(timeout=10)  # a worker left running may hold the pipes open
        pytest.fail(f"the child did not finish within {WAIT} s")
    return process.returncode, stderr.decode()


def run(args: list[str], cwd: Path, preexec=None, **env: str) -> tuple[int, str]:
    return finish(start(args, cwd, preexec, **env))


def only_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def wait_for_temporary(process: subprocess.Popen, folder: Path, name: str) -> None:
    """Poll until the render's temporary sibling of ``name`` exists: the frames are being written."""
    deadline = time.monotonic() + WAIT
    while not list(folder.glob(f".{name}.tmp-*")):
        if process.poll() is not None:
            pytest.fail(f"the render ended before it could be interrupted: {process.stderr.read().decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no temporary file within {WAIT} s")
        time.sleep(0.02)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "slow.yaml").write_text(SLOW)
    (tmp_path / "quick.yaml").write_text(QUICK)
    (tmp_path / "larger.yaml").write_text(LARGER)
    (tmp_path / "bad.yaml").write_text(BAD)
    (tmp_path / "out").mkdir()
    return tmp_path


# ---------------------------------------------------------------------------
# Signals during a render


@pytest.mark.parametrize(
    ("signum", "exit_code", "line", "name"),
    [
        (signal.SIGINT, 130, "Error: interrupted", "new.gif"),
        (signal.SIGTERM, 143, "Error: terminated", "new.gif"),
        (signal.SIGINT, 130, "Error: interrupted", "frames"),  # a PNG folder
        (signal.SIGTERM, 143, "Error: terminated", "new.mp4"),  # ffmpeg is stopped too
    ],
)
def test_signal_leaves_nothing_behind(folder, signum, exit_code, line, name):
    output = folder / "out" / name
    process = start(["render", "slow.yaml", "-o", str(output)], folder)
    wait_for_temporary(process, output.parent, name)
    process.send_signal(signum)
    assert finish(process) == (exit_code, line + "\n")
    assert list(output.parent.iterdir()) == []


def test_signal_leaves_the_previous_output_as_it_was(folder):
    output = folder / "out" / "previous.gif"
    output.write_bytes(PREVIOUS)
    process = start(["render", "slow.yaml", "-o", str(output)], folder)
    wait_for_temporary(process, output.parent, output.name)
    process.send_signal(signal.SIGTERM)
    assert finish(process) == (143, "Error: terminated\n")
    assert output.read_bytes() == PREVIOUS
    assert list(output.parent.iterdir()) == [output]


def marked_processes(mark: str, command: bytes = b"") -> list[int]:
    """The processes whose environment holds GMM_ANIM_TEST_MARK=mark (a render, its workers and
    multiprocessing's resource tracker) and whose command line holds ``command``."""
    wanted = f"GMM_ANIM_TEST_MARK={mark}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environment = (entry / "environ").read_bytes().split(b"\0")
                if wanted in environment and command in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:  # gone, or not ours to read
                pass
    return found


@pytest.fixture
def mark(request: pytest.FixtureRequest) -> Iterator[str]:
    """A GMM_ANIM_TEST_MARK for this test's processes; any still running afterwards are killed,
    so a failing test leaves no worker behind."""
    value = f"{os.getpid()}-{request.node.name}"
    yield value
    for pid in marked_processes(value):
        with suppress(OSError):
            os.kill(pid, signal.SIGKILL)


def workers(mark: str) -> list[int]:
    return marked_processes(mark, b"spawn_main")


def started_workers(mark: str) -> list[int]:
    """The workers past their start-up: each has opened the shared frame slots (``/dev/shm/psm_*``)."""
    started = []
    for pid in workers(mark):
        try:
            if any(os.readlink(fd).startswith("/dev/shm/psm_") for fd in Path(f"/proc/{pid}/fd").iterdir()):
                started.append(pid)
        except OSError:  # gone, or a descriptor closed while looking
            pass
    return started


def wait_for_started_workers(process: subprocess.Popen, mark: str) -> None:
    deadline = time.monotonic() + WAIT
    while len(started_workers(mark)) < 2:
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"no two started workers within {WAIT} s")
        time.sleep(0.02)


def none_left(mark: str) -> bool:
    """Whether every marked process has gone; the resource tracker leaves once the render has."""
    deadline = time.monotonic() + 10
    while marked_processes(mark) and time.monotonic() < deadline:
        time.sleep(0.05)
    return marked_processes(mark) == []


def start_parallel(folder: Path, output: Path, mark: str) -> subprocess.Popen:
    """A ``-j 2`` render, returned once its temporary file exists and both workers have started."""
    process = start(["render", "slow.yaml", "-o", str(output), "-j", "2"], folder, GMM_ANIM_TEST_MARK=mark)
    wait_for_temporary(process, output.parent, output.name)
    wait_for_started_workers(process, mark)
    return process


@pytest.mark.parametrize(
    ("signum", "exit_code", "line"),
    [(signal.SIGINT, 130, "Error: interrupted"), (signal.SIGTERM, 143, "Error: terminated")],
)
def test_signal_during_a_parallel_render_leaves_no_file_and_no_process(folder, mark, signum, exit_code, line):
    output = folder / "out" / "new.gif"
    process = start_parallel(folder, output, mark)
    process.send_signal(signum)
    assert finish(process) == (exit_code, line + "\n")
    assert list(output.parent.iterdir()) == []
    assert none_left(mark)


@pytest.mark.parametrize(
    ("first", "second", "gap", "name", "jobs", "exit_code", "line"),
    [
        (signal.SIGINT, signal.SIGINT, 0.05, "new.gif", 2, 130, "Error: interrupted"),
        (signal.SIGINT, signal.SIGINT, 0.2, "frames", 2, 130, "Error: interrupted"),
        (signal.SIGINT, signal.SIGTERM, 0.05, "new.gif", 2, 130, "Error: interrupted"),
        (signal.SIGTERM, signal.SIGINT, 0.05, "new.mp4", 1, 143, "Error: terminated"),
    ],
)
def test_a_second_signal_does_not_cut_the_clean_up_short(folder, mark, first, second, gap, name, jobs, exit_code, line):
    """Ctrl-C pressed twice: the first signal decides the exit, and the workers, ffmpeg and the
    temporary output are all gone (the second used to leave workers running and the exit waiting)."""
    output = folder / "out" / name
    if jobs == 2:
        process = start_parallel(folder, output, mark)
    else:
        process = start(["render", "slow.yaml", "-o", str(output), "-j", "1"], folder, GMM_ANIM_TEST_MARK=mark)
        wait_for_temporary(process, output.parent, name)
    process.send_signal(first)
    time.sleep(gap)
    process.send_signal(second)
    assert finish(process) == (exit_code, line + "\n")
    assert list(output.parent.iterdir()) == []
    assert none_left(mark)


def test_workers_end_when_their_parent_is_killed_outright(folder, mark):
    output = folder / "out" / "new.gif"
    process = start_parallel(folder, output, mark)
    process.kill()  # SIGKILL, as the out-of-memory killer sends: the parent cannot stop its workers
    process.wait()  # not its pipes: workers left running would hold them open
    process.stdout.close()
    process.stderr.close()
    assert none_left(mark)  # the workers, then multiprocessing's resource tracker


LIBRARY_RENDER = """\
import sys

import gmm_anim

if __name__ == "__main__":
    cfg = gmm_anim.load_config(sys.argv[1])
    X, _ = gmm_anim.sample(cfg)
    gmm_anim.render(X, gmm_anim.fit(X, cfg), cfg, sys.argv[2], jobs=2)
"""


def test_interrupting_the_library_twice_leaves_no_worker_and_no_hang(folder, mark):
    """A script calling gmm_anim.render(jobs=2) with Python's own Ctrl-C handling: a second
    KeyboardInterrupt while the workers stop used to leave them, and the script's exit, waiting."""
    (folder / "script.py").write_text(LIBRARY_RENDER)
    output = folder / "out" / "new.gif"
    process = subprocess.Popen(
        [sys.executable, "script.py", "slow.yaml", str(output)], cwd=folder,
        env=child_env(GMM_ANIM_TEST_MARK=mark), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    wait_for_temporary(process, output.parent, output.name)
    wait_for_started_workers(process, mark)
    process.send_signal(signal.SIGINT)
    time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    exit_code, stderr = finish(process)
    assert exit_code == -signal.SIGINT, stderr  # an unhandled KeyboardInterrupt ends Python by SIGINT
    assert stderr.rstrip().endswith("KeyboardInterrupt"), stderr
    assert list(output.parent.iterdir()) == []
    assert none_left(mark)


def test_a_worker_terminated_ends_the_render_with_one_error_line(folder, mark):
    output = folder / "out" / "new.gif"
    process = start_parallel(folder, output, mark)
    os.kill(workers(mark)[0], signal.SIGTERM)
    exit_code, stderr = finish(process)
    assert exit_code == 1
    assert only_line(stderr).startswith("Error: a frame-drawing worker process stopped unexpectedly")
    assert list(output.parent.iterdir()) == []
    assert none_left(mark)


# ---------------------------------------------------------------------------
# Outputs that cannot be written


def test_output_under_a_regular_file(folder):
    (folder / "out" / "file.txt").write_text("a file, not a folder")
    exit_code, stderr = run(["render", "quick.yaml", "-o", "out/file.txt/anim.gif"], folder)
    assert exit_code == 1
    assert only_line(stderr) == "Error: cannot write out/file.txt/anim.gif: out/file.txt is a file, not a folder"
    assert sorted(path.name for path in (folder / "out").iterdir()) == ["file.txt"]


def limit_file_size() -> None:
    """A file-size limit as a full disk would give: writes past 20 kB fail (EFBIG; Python ignores SIGXFSZ)."""
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))


def test_writes_failing_mid_render_leave_the_previous_output(folder):
    output = folder / "out" / "previous.gif"
    output.write_bytes(PREVIOUS)
    exit_code, stderr = run(["render", "larger.yaml", "-o", str(output)], folder, limit_file_size)
    assert exit_code == 1
    errors = [line for line in stderr.splitlines() if line.startswith("Error: ")]
    assert errors == [f"Error: cannot write {output}: File too large"], stderr
    assert "Traceback" not in stderr
    assert output.read_bytes() == PREVIOUS
    assert list(output.parent.iterdir()) == [output]


@pytest.fixture
def small_disk(folder):
    """A 64 kB tmpfs mounted on folder/disk (root only), unmounted afterwards."""
    disk = folder / "disk"
    disk.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(disk)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", str(disk)], check=True)


@pytest.mark.parametrize("name", ["previous.gif", "previous.webp", "previous.mp4", "frames"])
def test_a_full_disk_leaves_the_previous_output(folder, small_disk, name):
    output = small_disk / name
    if name == "frames":
        output.mkdir()
        (output / "frame_0000.png").write_bytes(PREVIOUS)
    else:
        output.write_bytes(PREVIOUS)
    exit_code, stderr = run(["render", "larger.yaml", "-o", str(output)], folder)
    assert exit_code == 1
    line = only_line(stderr)  # ffmpeg's own last line for MP4
    assert line.startswith(f"Error: cannot write {output}: ") and line.endswith("No space left on device"), line
    assert (output / "frame_0000.png" if name == "frames" else output).read_bytes() == PREVIOUS
    assert list(small_disk.iterdir()) == [output]


# ---------------------------------------------------------------------------
# Tracebacks: only with --debug or GMM_ANIM_DEBUG=1


@pytest.mark.parametrize(
    ("options", "env"),
    [([], {}), ([], {"GMM_ANIM_DEBUG": "0"}), ([], {"GMM_ANIM_DEBUG": ""})],
)
def test_no_traceback_without_debug(folder, options, env):
    exit_code, stderr = run([*options, "render", "bad.yaml", "-o", "out/x.gif"], folder, **env)
    assert exit_code == 2
    assert only_line(stderr) == "Error: bad.yaml: samples: expected an integer from 1 to 10000000, got true (a boolean)"


@pytest.mark.parametrize(("options", "env"), [(["--debug"], {}), ([], {"GMM_ANIM_DEBUG": "1"})])
def test_debug_shows_the_traceback(folder, options, env):
    exit_code, stderr = run([*options, "render", "bad.yaml", "-o", "out/x.gif"], folder, **env)
    assert exit_code != 0
    assert stderr.startswith("Traceback (most recent call last):")
    assert stderr.rstrip().endswith(
        "gmm_anim.errors.ConfigError: bad.yaml: samples: expected an integer from 1 to 10000000, got true (a boolean)"
    )
    (folder / "out" / "file").write_text("")
    exit_code, stderr = run([*options, "render", "quick.yaml", "-o", "out/file/x.gif"], folder, **env)
    assert exit_code != 0 and "Traceback (most recent call last):" in stderr
    last = "gmm_anim.errors.OutputError: cannot write out/file/x.gif: out/file is a file, not a folder"
    assert stderr.rstrip().endswith(last)
