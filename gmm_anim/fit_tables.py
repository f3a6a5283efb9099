"""``gmm-anim fit`` as text: the fit's table, and the runs' table of a comparison.

Both read the JSON document of ``fit --json`` (pipeline.summarize and
pipeline.summarize_runs), so the text and the JSON never disagree.
"""

from __future__ import annotations

from typing import Any

__all__ = ["fit_table", "runs_table"]


def runs_table(document: dict[str, Any]) -> str:
    """The runs of compare as a text table, one row each; * marks the lowest BIC and AIC."""
    runs, best = document["runs"], document["best"]
    first = runs[0]
    width = max(5, *(len(run["label"]) for run in runs))
    with_match = first["match"] is not None
    lines = [
        f"{first['config']}: {first['n_samples']} points, {first['n_features']}-D, {len(runs)} runs",
        "",
        f"{'run':<{width}}  {'iterations':>10}  {'converged':>9}  {'log-likelihood':>16}  {'BIC':>13}  {'AIC':>13}"
        + ("  max mean error" if with_match else ""),
    ]
    for i, run in enumerate(runs):
        mark = {key: "*" if best[key] == i else " " for key in ("bic", "aic")}
        row = (
            f"{run['label']:<{width}}  {len(run['iterations']) - 1:>10}  {'yes' if run['converged'] else 'no':>9}  "
            f"{run['iterations'][-1]['log_likelihood']:>16.6f}  {run['bic']:>12.2f}{mark['bic']}  "
            f"{run['aic']:>12.2f}{mark['aic']}"
        )
        if with_match:
            row += f"  {run['match']['max_mean_error']:>14.4g}"
        lines.append(row)
    lines += ["", f"* lowest BIC: {runs[best['bic']]['label']}; lowest AIC: {runs[best['aic']]['label']}"]
    return "\n".join(lines)


def fit_table(document: dict[str, Any]) -> str:
    """The fit as a readable text table: iterations, then final parameters."""
    lines = [
        f"{document['config']}: {document['n_samples']} points, {document['n_features']}-D, "
        f"{document['n_components']} components ({document['covariance_type']} covariances)",
        "",
        f"{'iteration':>9}  {'log-likelihood':>16}  {'change':>12}",
    ]
    previous = None
    for entry in document["iterations"]:
        change = "" if previous is None else f"{entry['log_likelihood'] - previous:+12.4g}"
        lines.append(f"{entry['iteration']:>9}  {entry['log_likelihood']:>16.6f}  {change:>12}")
        previous = entry["log_likelihood"]
    n_steps = len(document["iterations"]) - 1
    status = f"converged after {n_steps} iterations" if document["converged"] else f"ran all {n_steps} iterations"
    lines += ["", f"{status}; BIC {document['bic']:.2f}, AIC {document['aic']:.2f}", ""]
    # Components are numbered from 1 here, as in the animation's legend.
    final = document["iterations"][-1]
    lines.append(f"{'component':>9}  {'weight':>8}  {'mean':<24}  covariance")
    for k, (weight, mean, covariance) in enumerate(
        zip(final["weights"], final["means"], final["covariances"]), start=1
    ):
        lines.append(f"{k:>9}  {weight:>8.4f}  {_vector(mean):<24}  {_matrix(covariance)}")
    if document["match"] is not None:
        match = document["match"]
        pairs = ", ".join(
            f"true {j} = fitted {'-' if k is None else k + 1}" for j, k in enumerate(match["permutation"], start=1)
        )
        lines += [
            "",
            f"matched to the truth: {pairs}",
            f"max mean error {match['max_mean_error']:.4g}, max weight error {match['max_weight_error']:.4g}",
        ]
    return "\n".join(lines)


def _vector(values: list[float]) -> str:
    return "[" + ", ".join(f"{v:.4f}" for v in values) + "]"


def _matrix(rows: list[list[float]]) -> str:
    return "[" + ", ".join(_vector(row) for row in rows) + "]"
