"""Per-point results as CSV: each point's component and responsibilities (``fit --labels``)."""

from __future__ import annotations

import io

import numpy as np

__all__ = ["labels_csv"]


def labels_csv(resp: np.ndarray, rows: np.ndarray | None = None) -> bytes:
    """``index,component,resp_1,...,resp_K``: one line per point, as UTF-8 bytes.

    resp : (n_samples, K) responsibilities under the final parameters.
    rows : each point's 0-based row in the data (default 0 .. n - 1; other
        rows where missing values were dropped).

    ``component`` is the most responsible one, numbered from 1 as in the
    animation's legend (ties go to the lower number). Responsibilities are
    written with 12 significant digits, so each row sums to 1 within 1e-11.
    """
    n_samples, n_components = resp.shape
    rows = np.arange(n_samples) if rows is None else np.asarray(rows)
    header = ["index", "component", *(f"resp_{k}" for k in range(1, n_components + 1))]
    out = io.StringIO()
    out.write(",".join(header) + "\n")
    table = np.column_stack([rows, np.argmax(resp, axis=1) + 1])
    np.savetxt(out, np.column_stack([table, resp]), fmt=["%d", "%d"] + ["%.12g"] * n_components, delimiter=",")
    return out.getvalue().encode("utf-8")
