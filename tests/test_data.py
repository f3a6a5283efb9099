"""The user's points from .csv, .tsv, .txt and .npy files: round trips, variants, and one exact error per fault."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gmm_anim.data import Layout, load_points, read_layout
from gmm_anim.errors import ConfigError, GmmAnimWarning

SOURCE = Path("config.yaml")
ADVICE = "; fix it, or drop such rows with data.missing: drop"


def load(path: Path, **options) -> np.ndarray:
    points, rows = load_points(path, source=SOURCE, **options)
    assert rows.shape == (len(points),) and rows.dtype.kind == "i"
    assert points.dtype == np.float64 and points.ndim == 2 and points.flags.c_contiguous
    return points


def error_for(path: Path, field: str = "data", **options) -> str:
    with pytest.raises(ConfigError) as caught:
        load_points(path, source=SOURCE, **options)
    assert caught.value.field == field and caught.value.source == str(SOURCE)
    assert str(caught.value) == f"{SOURCE}: {field}: {caught.value.message}"
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
        ("x,y\n1,2\n3,abc\n", "expected a number at row 3, column 2 (y), got 'abc' (in p.csv)" + ADVICE),
        ("x y\n1 2\n\n3 4o\n", "expected a number at row 4, column 2 (y), got '4o' (in p.csv)" + ADVICE),
        ("1,2\nx,y\n", "expected a number at row 2, column 1, got 'x' (in p.csv)" + ADVICE),
        ("x,2\n1,2\n", "expected a number at row 1, column 1, got 'x' (in p.csv)" + ADVICE),
        ("1,2\n3,\n", "expected a number at row 2, column 2, got an empty cell (in p.csv)" + ADVICE),
        ("1,2\nNA,4\n", "expected a number at row 2, column 1, got 'NA' (in p.csv)" + ADVICE),
        ("1,2\n3,4\n5,6,7\n", "expected 2 columns (as on row 1), got 3 on row 3 (in p.csv)"),
        ("a,b,c\n1,2\n", "expected 3 columns (as on row 1), got 2 on row 2 (in p.csv)"),
        ("1 2\n3\n", "expected 2 columns (as on row 1), got 1 on row 2 (in p.csv)"),
        ("1 2\n3,4\n", "expected 2 columns (as on row 1), got 1 on row 2 (in p.csv)"),
        ("1,2\nnan,4\n", "expected a number at row 2, column 1, got 'nan' (in p.csv)" + ADVICE),
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
        "na",
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
    assert message == f"expected a number at row 2, column 2, got '{'z' * 37}...' (in p.csv)" + ADVICE


def test_missing_file(tmp_path):
    path = tmp_path / "gone.csv"
    assert error_for(path) == f"expected an existing file, got '{path}' (no such file)"


def test_directory(tmp_path):
    path = tmp_path / "folder.npy"
    path.mkdir()
    assert error_for(path) == f"expected a file, got '{path}' (not a regular file)"


@pytest.mark.parametrize("name", ["p.json", "p", "p.npz", "p.xlsx"])
def test_unsupported_suffix(write, name):
    path = write(name, "1,2\n")
    assert error_for(path) == f"expected a .csv, .tsv, .txt or .npy file, got '{path}'"


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


# ---------------------------------------------------------------------------
# Tables: delimiters, headers, quotes and line ends give the same points

TABLE = np.array([[3.6, 79.0], [1.8, 54.0], [3.333, 74.0], [2.283, 62.0]])
ROWS = [["3.6", "79"], ["1.8", "54"], ["3.333", "74"], ["2.283", "62"]]


def table(delimiter: str, *, header: bool, quoted: bool = False, newline: str = "\n") -> str:
    """TABLE as text: an id column first (text), then eruptions and waiting."""
    quote = '"' if quoted else ""
    lines = [[f"{quote}{name}{quote}" for name in ("id", "eruptions", "waiting")]] if header else []
    lines += [[f"{quote}p{i}{quote}", *(f"{quote}{cell}{quote}" for cell in row)] for i, row in enumerate(ROWS)]
    return newline.join(delimiter.join(line) for line in lines) + newline


VARIANTS = {
    "comma": ("p.csv", table(",", header=True)),
    "comma-no-header": ("p.csv", table(",", header=False)),
    "semicolon": ("p.csv", table(";", header=True)),
    "semicolon-no-header": ("p.csv", table(";", header=False)),
    "tab": ("p.tsv", table("\t", header=True)),
    "tab-no-header": ("p.tsv", table("\t", header=False)),
    "whitespace": ("p.txt", table("  ", header=True)),
    "whitespace-no-header": ("p.txt", table(" ", header=False)),
    "quoted": ("p.csv", table(",", header=True, quoted=True)),
    "quoted-whitespace": ("p.txt", table(" ", header=True, quoted=True)),
    "crlf": ("p.csv", table(",", header=True, newline="\r\n")),
    "crlf-tab-no-header": ("p.tsv", table("\t", header=False, newline="\r\n")),
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_table_variants_read_the_same_points(write, variant):
    name, text = VARIANTS[variant]
    np.testing.assert_array_equal(load(write(name, text), columns=[1, 2]), TABLE)


@pytest.mark.parametrize("variant", [name for name in VARIANTS if "no-header" not in name])
def test_columns_by_name_and_by_index_agree(write, variant):
    path = write(*VARIANTS[variant])
    np.testing.assert_array_equal(load(path, columns=["eruptions", "waiting"]), TABLE)
    np.testing.assert_array_equal(load(path, columns=["waiting", 1]), TABLE[:, ::-1])
    assert read_layout(path).names == ("id", "eruptions", "waiting")


@pytest.mark.parametrize(
    ("delimiter", "separator"), [(",", ","), (";", ";"), ("\t", "\t"), ("whitespace", " \t ")], ids=str
)
def test_explicit_delimiter(write, delimiter, separator):
    path = write("p.txt", table(separator, header=True))
    assert read_layout(path, delimiter) == Layout(delimiter, 1, ("id", "eruptions", "waiting"), 3)
    np.testing.assert_array_equal(load(path, delimiter=delimiter, columns=[1, 2]), TABLE)


@pytest.mark.parametrize(
    ("text", "layout"),
    [
        ("a,b\n1,2\n", Layout(",", 1, ("a", "b"), 2)),
        ("# note\n\na;b\n1;2\n", Layout(";", 3, ("a", "b"), 2)),
        ("1 2\n3\t4\n", Layout("whitespace", 0, None, 2)),
        ("value\n1\n2\n", Layout("whitespace", 1, ("value",), 1)),
        ('"eruptions" "waiting"\n"1" 3.6 79\n', Layout("whitespace", 1, ("", "eruptions", "waiting"), 3)),
        ('"","eruptions","waiting"\n"1",3.6,79\n', Layout(",", 1, ("", "eruptions", "waiting"), 3)),
        ("NA,NA\n1,2\n", Layout(",", 0, None, 2)),
        ("1,2\n3,4\n5,6,7\n", Layout(",", 0, None, 2)),
        ('"x;y",z\n1,2\n', Layout(",", 1, ("x;y", "z"), 2)),
        ("", None),
        ("# only a comment\n", None),
    ],
    ids=[
        "comma",
        "comments-first",
        "whitespace-and-tab",
        "one-column",
        "r-write-table",
        "r-write-csv",
        "missing-first-row",
        "ragged",
        "quoted-delimiter",
        "empty",
        "comments-only",
    ],
)
def test_layout_from_the_first_rows(write, text, layout):
    assert read_layout(write("p.csv", text)) == layout


def test_layout_of_npy_and_unreadable_files(tmp_path, write):
    np.save(tmp_path / "p.npy", np.zeros((5, 3)))
    assert read_layout(tmp_path / "p.npy") == Layout("", 0, None, 3)
    assert read_layout(tmp_path / "gone.csv") is None
    (tmp_path / "b.csv").write_bytes(b"x,y\n1,\xff\n")
    assert read_layout(tmp_path / "b.csv") is None  # the reader names the byte


def test_r_write_table_file_reads_without_its_row_names(write):
    path = write("faithful.txt", '"eruptions" "waiting"\n"1" 3.6 79\n"2" 1.8 54\n"3" 3.333 74\n"4" 2.283 62\n')
    np.testing.assert_array_equal(load(path, columns=["eruptions", "waiting"]), TABLE)


def test_hash_inside_quotes_is_no_comment(write):
    path = write("p.csv", 'name,x,y\n"#1",1,2\n"#2",3,4 # a comment\n')
    np.testing.assert_array_equal(load(path, columns=["x", "y"]), [[1, 2], [3, 4]])


def test_a_large_numeric_file_takes_numpys_reader(tmp_path, monkeypatch):
    points = np.random.default_rng(0).normal(size=(2000, 3))
    np.savetxt(tmp_path / "p.csv", points, delimiter=",", fmt="%.17g", header="a,b,c", comments="")
    import gmm_anim.data.points

    monkeypatch.setattr(gmm_anim.data.points._Table, "read_rows", lambda *args: pytest.fail("read row by row"))
    np.testing.assert_array_equal(load(tmp_path / "p.csv", columns=["c", "a"]), points[:, [2, 0]])


# ---------------------------------------------------------------------------
# Columns, text columns, missing cells, standardizing


def test_text_column_is_one_error_naming_it(write):
    path = write("p.csv", table(",", header=True))
    message = "expected numbers, got text in column 1 (id): 'p0' on row 2 (in p.csv)"
    assert error_for(path) == message + "; choose the numeric columns with data.columns"
    assert error_for(path, "data.columns", columns=["waiting", "id"]) == message + "; leave it out of data.columns"
    no_header = write("q.csv", table(",", header=False))
    assert error_for(no_header).startswith("expected numbers, got text in column 1: 'p0' on row 1 (in q.csv);")


@pytest.mark.parametrize(
    ("columns", "message"),
    [
        (
            ["wait"],
            "expected a column of p.csv's header ('id', 'eruptions', 'waiting'), got 'wait'; did you mean 'waiting'?",
        ),
        (["x"], "expected a column of p.csv's header ('id', 'eruptions', 'waiting'), got 'x'"),
        ([1, 3], "expected column indices from 0 to 2 (p.csv has 3 columns), got 3"),
        ([1, "eruptions"], "expected each column once, got column 2 (eruptions) twice"),
        ([], "expected at least one column, got none"),
    ],
    ids=["close-name", "unknown-name", "index-past-the-end", "twice", "none"],
)
def test_columns_the_file_lacks(write, columns, message):
    path = write("p.csv", table(",", header=True))
    assert error_for(path, "data.columns", columns=columns) == message


def test_column_names_need_a_header(write, tmp_path):
    path = write("p.csv", table(",", header=False))
    expected = "expected column indices from 0 (p.csv has no header row), got the name 'waiting'"
    assert error_for(path, "data.columns", columns=["waiting"]) == expected
    np.save(tmp_path / "p.npy", TABLE)
    expected = "expected column indices from 0 (p.npy has no header row), got the name 'x'"
    assert error_for(tmp_path / "p.npy", "data.columns", columns=["x"]) == expected
    np.testing.assert_array_equal(load(tmp_path / "p.npy", columns=[1]), TABLE[:, [1]])


def test_duplicate_header_name_must_be_chosen_by_index(write):
    path = write("p.csv", "x,y,x\n1,2,3\n")
    assert error_for(path, "data.columns", columns=["x"]) == (
        "expected a name the header holds once, got 'x' (columns 1 and 3); use indices"
    )
    np.testing.assert_array_equal(load(path, columns=[2, "y"]), [[3, 2]])


def test_missing_drop_drops_rows_and_warns_once(write):
    text = "id,x,y,note\na,1,2,ok\nb,NA,3,\nc,3,,ok\nd,4,5,\ne,nan,abc,x\nf,6,7,ok\n"
    path = write("p.csv", text)
    assert (
        error_for(path, columns=["x", "y"]) == "expected a number at row 3, column 2 (x), got 'NA' (in p.csv)" + ADVICE
    )
    with pytest.warns(GmmAnimWarning) as caught:
        points = load(path, columns=["x", "y"], missing="drop")
    np.testing.assert_array_equal(points, [[1, 2], [4, 5], [6, 7]])
    assert [str(w.message) for w in caught] == [
        "config.yaml: data: dropped 3 of 6 rows of p.csv with an empty, NA, NaN or non-numeric cell "
        "(data.missing: drop): rows 3, 4, 6"
    ]


def test_missing_drop_of_every_row_and_of_npy(write, tmp_path):
    path = write("p.csv", "x,y\nNA,1\n2,\n")
    assert error_for(path, missing="drop") == (
        "expected rows with a number in every fitted column, got none of 2 (in p.csv)"
    )
    np.save(tmp_path / "p.npy", np.array([[1.0, 2.0], [np.nan, 3.0], [4.0, 5.0]]))
    with pytest.warns(GmmAnimWarning, match="dropped 1 of 3 rows of p.npy"):
        np.testing.assert_array_equal(load(tmp_path / "p.npy", missing="drop"), [[1, 2], [4, 5]])
    with pytest.warns(GmmAnimWarning, match="dropped 1 of 3 rows of p.npy"):
        np.testing.assert_array_equal(load(tmp_path / "p.npy", columns=[0], missing="drop"), [[1], [4]])
    np.testing.assert_array_equal(load(tmp_path / "p.npy", columns=[1], missing="drop"), [[2], [3], [5]])


def test_missing_drop_still_refuses_inf(write):
    path = write("p.csv", "x,y\n1,NA\n2,inf\n")
    assert error_for(path, missing="drop") == "expected a finite number at row 3, column 2 (y), got 'inf' (in p.csv)"


def test_unselected_columns_may_hold_anything(write):
    path = write("p.csv", "x,skip,y\n1,,2\n3,inf,4\n5,1e300,6\n")
    np.testing.assert_array_equal(load(path, columns=["x", "y"]), [[1, 2], [3, 4], [5, 6]])


def test_standardize_is_the_population_z_score(write):
    path = write("p.csv", table(",", header=True))
    expected = (TABLE - TABLE.mean(axis=0)) / TABLE.std(axis=0)
    np.testing.assert_allclose(load(path, columns=[1, 2], standardize=True), expected, rtol=0, atol=1e-15)
    z = load(path, columns=[1, 2], standardize=True)
    np.testing.assert_allclose(z.mean(axis=0), 0, atol=1e-15)
    np.testing.assert_allclose(z.std(axis=0), 1, rtol=1e-15)


def test_standardize_refuses_a_constant_column(write):
    path = write("p.csv", "x,y\n1,5\n2,5\n3,5\n")
    message = error_for(path, "data.standardize", standardize=True)
    assert message == (
        "expected columns that vary, got column 2 (y) with every value 5 (in p.csv); "
        "leave it out of data.columns or set data.standardize: false"
    )
    assert load(path, columns=["x"], standardize=True).shape == (3, 1)


table_texts = st.text(alphabet='0123456789.,;-+eE \t\n\r"#xyNAna', max_size=120)


@pytest.mark.slow
@FUZZ
@given(
    text=table_texts,
    delimiter=st.sampled_from(["auto", ",", ";", "\t", "whitespace"]),
    columns=st.one_of(st.none(), st.lists(st.one_of(st.integers(0, 3), st.sampled_from(["x", "y", "NA"])), max_size=3)),
    missing=st.sampled_from(["error", "drop"]),
    standardize=st.booleans(),
)
def test_fuzz_tables_give_points_or_one_config_error(tmp_path, text, delimiter, columns, missing, standardize):
    path = tmp_path / "p.csv"
    path.write_bytes(text.encode())
    options = {"delimiter": delimiter, "columns": columns, "missing": missing, "standardize": standardize}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", GmmAnimWarning)
            points = load(path, **options)
    except ConfigError as error:
        assert error.field.startswith("data") and "\n" not in str(error)
        return
    assert np.isfinite(points).all() and len(points) >= 1
    layout = read_layout(path, delimiter)  # what the config validator reads agrees with the reader
    assert layout is not None and points.shape[1] == (len(columns) if columns else layout.n_columns)
