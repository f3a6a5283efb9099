"""The user's points from .csv and .npy files: round trips, variants, and one exact error per fault."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gmm_anim.data import load_points
from gmm_anim.errors import ConfigError

SOURCE = Path("config.yaml")


def load(path: Path) -> np.ndarray:
    points = load_points(path, source=SOURCE)
    assert points.dtype == np.float64 and points.ndim == 2 and points.flags.c_contiguous
    return points


def error_for(path: Path) -> str:
    with pytest.raises(ConfigError) as caught:
        load_points(path, source=SOURCE)
    assert caught.value.field == "data" and caught.value.source == str(SOURCE)
    assert str(caught.value) == f"{SOURCE}: data: {caught.value.message}"
    return caught.value.message


@pytest.fixture
def write(tmp_path):
    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write


# ---------------------------------------------------------------------------
# Round trips and accepted variants

POINTS = np.array([[0.5, -1.25], [3.0, 4.0], [-2.0, 1e-7]])


def test_npy_round_trip(tmp_path):
    np.save(tmp_path / "p.npy", POINTS)
    np.testing.assert_array_equal(load(tmp_path / "p.npy"), POINTS)


def test_npy_integer_and_float32_become_float64(tmp_path):
    np.save(tmp_path / "i.npy", np.arange(6).reshape(3, 2))
    np.testing.assert_array_equal(load(tmp_path / "i.npy"), [[0, 1], [2, 3], [4, 5]])
    np.save(tmp_path / "f.npy", POINTS.astype(np.float32))
    np.testing.assert_array_equal(load(tmp_path / "f.npy"), POINTS.astype(np.float32))


def test_npy_one_dimensional_is_one_column(tmp_path):
    np.save(tmp_path / "p.npy", np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(load(tmp_path / "p.npy"), [[1.0], [2.0], [3.0]])


def test_npy_fortran_order_is_fine(tmp_path):
    np.save(tmp_path / "p.npy", np.asfortranarray(POINTS))
    np.testing.assert_array_equal(load(tmp_path / "p.npy"), POINTS)


@pytest.mark.parametrize(
    "text",
    [
        "0.5,-1.25\n3,4\n-2,1e-7\n",  # plain commas
        "x,y\n0.5,-1.25\n3,4\n-2,1e-7\n",  # header
        '"x","y"\n"0.5","-1.25"\n3,4\n-2,1e-7\n',  # quoted cells
        "x, y\n0.5, -1.25\n 3 ,4\n-2,  1e-7\n",  # spaces around commas
        "0.5 -1.25\n3\t4\n  -2    1e-7  \n",  # whitespace and tabs
        "x y\n0.5 -1.25\n3 4\n-2 1e-7",  # whitespace with header, no final newline
        "# exported points\n\nx,y\n0.5,-1.25 # first\n\n3,4\n-2,1e-7\n\n",  # comments and blank lines
        "0.5,-1.25\r\n3,4\r\n-2,1e-7\r\n",  # Windows line ends
        "\ufeffx,y\n0.5,-1.25\n3,4\n-2,1e-7\n",  # UTF-8 byte-order mark
        "+0.5,-1.25\n3.0,4.000\n-2,0.0000001\n",  # other spellings of the same numbers
    ],
    ids=[
        "comma",
        "header",
        "quoted",
        "spaced",
        "whitespace",
        "whitespace-header",
        "comments",
        "crlf",
        "bom",
        "spelling",
    ],
)
def test_csv_variants(write, text):
    np.testing.assert_array_equal(load(write("p.csv", text)), POINTS)


def test_csv_single_column_is_one_feature(write):
    np.testing.assert_array_equal(load(write("p.csv", "value\n1\n2\n3\n")), [[1.0], [2.0], [3.0]])


def test_csv_suffix_is_case_insensitive(write):
    np.testing.assert_array_equal(load(write("P.CSV", "1,2\n")), [[1.0, 2.0]])


def test_csv_full_precision(write, tmp_path):
    values = np.random.default_rng(3).normal(size=(50, 3)) * 10.0 ** np.arange(-3, 3, 2)
    np.savetxt(tmp_path / "p.csv", values, delimiter=",", fmt="%.17g", header="a,b,c", comments="")
    np.testing.assert_array_equal(load(tmp_path / "p.csv"), values)


def test_numpy_savetxt_output_loads(tmp_path):
    np.savetxt(tmp_path / "p.csv", POINTS, header="x y")  # "# x y" then space-separated rows
    np.testing.assert_array_equal(load(tmp_path / "p.csv"), POINTS)


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
finite = st.floats(-1e100, 1e100, width=64)  # the coordinates a data file may hold


@FUZZ
@given(
    points=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)), elements=finite),
    comma=st.booleans(),
    header=st.booleans(),
)
def test_csv_round_trip_property(tmp_path, points, comma, header):
    separator = "," if comma else " "
    lines = [separator.join(f"x{j}" for j in range(points.shape[1]))] if header else []
    lines += [separator.join(repr(float(value)) for value in row) for row in points]
    path = tmp_path / "p.csv"
    path.write_text("\n".join(lines) + "\n")
    np.testing.assert_array_equal(load(path), points)


@FUZZ
@given(points=arrays(np.float64, st.tuples(st.integers(1, 6), st.integers(1, 4)), elements=finite))
def test_npy_round_trip_property(tmp_path, points):
    np.save(tmp_path / "p.npy", points)
    np.testing.assert_array_equal(load(tmp_path / "p.npy"), points)


# ---------------------------------------------------------------------------
# Faults: each gives one ConfigError naming data, with row and column where it has them


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected rows of numbers, got none (in p.csv)"),
        ("\n\n# only a comment\n", "expected rows of numbers, got none (in p.csv)"),
        ("x,y\n", "expected rows of numbers after the header (row 1), got none (in p.csv)"),
        ("# note\nx,y\n\n", "expected rows of numbers after the header (row 2), got none (in p.csv)"),
        ("x,y\n1,2\n3,abc\n", "expected a number at row 3, column 2, got 'abc' (in p.csv)"),
        ("x y\n1 2\n\n3 4o\n", "expected a number at row 4, column 2, got '4o' (in p.csv)"),
        ("1,2\nx,y\n", "expected a number at row 2, column 1, got 'x' (in p.csv)"),
        ("x,2\n1,2\n", "expected a number at row 1, column 1, got 'x' (in p.csv)"),
        ("1,2\n3,\n", "expected a number at row 2, column 2, got an empty cell (in p.csv)"),
        ("1,2\n3,4\n5,6,7\n", "expected 2 columns (as on row 1), got 3 on row 3 (in p.csv)"),
        ("a,b,c\n1,2\n", "expected 3 columns (as on row 1), got 2 on row 2 (in p.csv)"),
        ("1 2\n3\n", "expected 2 columns (as on row 1), got 1 on row 2 (in p.csv)"),
        ("1 2\n3,4\n", "expected 2 columns (as on row 1), got 1 on row 2 (in p.csv)"),
        ("1,2\nnan,4\n", "expected a finite number at row 2, column 1, got 'nan' (in p.csv)"),
        ("1,2\n3,-inf\n", "expected a finite number at row 2, column 2, got '-inf' (in p.csv)"),
        ("1,2\n3,1e999\n", "expected a finite number at row 2, column 2, got '1e999' (in p.csv)"),
    ],
    ids=[
        "empty",
        "comments-only",
        "header-only",
        "header-only-late",
        "cell",
        "cell-whitespace",
        "second-header",
        "mixed-first-row",
        "empty-cell",
        "ragged-long",
        "ragged-header",
        "ragged-short",
        "comma-in-whitespace-file",
        "nan",
        "inf",
        "overflow",
    ],
)
def test_malformed_csv(write, text, message):
    assert error_for(write("p.csv", text)) == message


def test_csv_that_is_not_text(tmp_path):
    path = tmp_path / "p.csv"
    path.write_bytes(b"1,2\n\x00\x01")
    assert error_for(path) == "expected a UTF-8 text file, got binary data (a NUL byte at offset 4) (in p.csv)"
    path.write_bytes(b"1,2\n3,\xff\n")
    assert error_for(path) == "expected a UTF-8 text file, got a byte that is not UTF-8 (0xff at offset 6) (in p.csv)"


def test_long_cells_are_shortened(write):
    message = error_for(write("p.csv", "1,2\n3," + "z" * 500 + "\n"))
    assert message == f"expected a number at row 2, column 2, got '{'z' * 37}...' (in p.csv)"


def test_missing_file(tmp_path):
    path = tmp_path / "gone.csv"
    assert error_for(path) == f"expected an existing file, got '{path}' (no such file)"


def test_directory(tmp_path):
    path = tmp_path / "folder.npy"
    path.mkdir()
    assert error_for(path) == f"expected a file, got '{path}' (not a regular file)"


@pytest.mark.parametrize("name", ["p.txt", "p.json", "p", "p.npz"])
def test_unsupported_suffix(write, name):
    path = write(name, "1,2\n")
    assert error_for(path) == f"expected a .csv or .npy file, got '{path}'"


@pytest.mark.parametrize(
    ("array", "message"),
    [
        (np.zeros((2, 2, 2)), "expected an array of shape (n, D) or (n,), got shape (2, 2, 2) (in p.npy)"),
        (np.float64(3.0), "expected an array of shape (n, D) or (n,), got shape () (in p.npy)"),
        (np.zeros((0, 2)), "expected at least one point of at least one coordinate, got shape (0, 2) (in p.npy)"),
        (np.zeros((3, 0)), "expected at least one point of at least one coordinate, got shape (3, 0) (in p.npy)"),
        (np.zeros(0), "expected at least one point of at least one coordinate, got shape (0,) (in p.npy)"),
        (np.array([[1.0, 2.0], [np.nan, 3.0]]), "expected finite numbers, got nan at row 2, column 1 (in p.npy)"),
        (np.array([1.0, 2.0, -np.inf]), "expected finite numbers, got -inf at row 3, column 1 (in p.npy)"),
        (np.array(["a", "b"]), "expected an array of numbers, got dtype <U1 (in p.npy)"),
        (np.array([True, False]), "expected an array of numbers, got dtype bool (in p.npy)"),
        (np.array([1 + 2j]), "expected an array of numbers, got dtype complex128 (in p.npy)"),
    ],
    ids=["rank3", "scalar", "no-rows", "no-columns", "empty-1d", "nan", "inf", "strings", "bools", "complex"],
)
def test_malformed_npy(tmp_path, array, message):
    np.save(tmp_path / "p.npy", array)
    assert error_for(tmp_path / "p.npy") == message


def test_npy_object_array_is_not_unpickled(tmp_path):
    np.save(tmp_path / "p.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    expected = "expected a numeric .npy array, got a file numpy could only read with pickle (refused) (in p.npy)"
    assert error_for(tmp_path / "p.npy") == expected


def test_npy_that_is_not_npy(tmp_path):
    path = tmp_path / "p.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00garbage")
    assert error_for(path).startswith("expected a .npy array, got an unreadable file (")
    np.savez(tmp_path / "archive.npz", a=np.zeros(2))
    (tmp_path / "archive.npz").rename(path)
    assert error_for(path) == "expected a single .npy array, got an .npz archive (in p.npy)"


@pytest.mark.parametrize("value", [1e101, -2e150, 1.7e308])
def test_coordinates_past_1e100_are_refused(tmp_path, value):
    np.save(tmp_path / "p.npy", np.array([[0.0, 1.0], [2.0, value]]))
    assert error_for(tmp_path / "p.npy") == (
        f"expected numbers of magnitude at most 1e+100, got {value:g} at row 2, column 2 (in p.npy)"
    )
    (tmp_path / "p.csv").write_text(f"0,1\n2,{value!r}\n")
    assert error_for(tmp_path / "p.csv") == (
        f"expected a number of magnitude at most 1e+100 at row 2, column 2, got '{value!r}' (in p.csv)"
    )
    (tmp_path / "p.csv").write_text("0,1\n2,1e100\n")
    assert load(tmp_path / "p.csv")[1, 1] == 1e100
