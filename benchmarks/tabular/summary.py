"""The report: the data-set table, per-metric tables and the summaries.

Summaries use one primary metric per task (accuracy, R2: see README.md), the
mean over folds per data set, and these rules:

* rank: 1 is best, ties share the mean rank; a model that failed on a data set
  ranks last there;
* normalised score: ``(score - worst) / (best - worst)`` over the compared
  models on each data set, then averaged; 1 for all when they all score the
  same, 0 for a model that failed;
* wins/ties/losses of A against B: on each data set, the fold-by-fold
  differences A - B (the folds are the same); a tie when their mean is within
  one standard error (sample std / sqrt(folds)) of zero, else a win or a
  loss. The folds of repeated k-fold overlap, so this standard error is an
  optimistic one: read the ties as "not clearly different". A failure loses
  to a result; two failures tie.
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

from ..report import Table, fmt_ratio
from .datasets import CLASSIFICATION, REGRESSION, Dataset, describe
from .models import REFERENCE
from .protocol import METRICS, PRIMARY, Cell

Results = dict[str, dict[str, Cell]]


def dataset_table(datasets: list[Dataset]) -> Table:
    table = Table(
        "Data sets",
        ["data set", "task", "rows", "num", "cat", "bool", "max levels"]
        + ["% missing", "classes", "source"],
    )
    for data in datasets:
        d = describe(data)
        table.add(
            data.name,
            "regression" if data.task == REGRESSION else "classification",
            d["rows"],
            d["numeric"],
            d["categorical"],
            d["boolean"],
            d["max_levels"] or "-",
            f"{d['missing_pct']:.2f}",
            d["classes"] or "-",
            data.spec.source,
        )
    table.note(
        "num / cat / bool: feature columns by dtype; max levels: most categories "
        "of a categorical column; % missing: share of missing feature cells"
    )
    return table


def _num(value: float, ref: float) -> str:
    """A number with as many decimals as the scale of ``ref`` calls for."""
    scale = abs(ref)
    if scale >= 100:
        return f"{value:,.0f}"
    if scale >= 10:
        return f"{value:.2f}"
    return f"{value:.3f}"


def _cell_text(cell: Cell | None, metric: str) -> str:
    if cell is None:
        return "n/a"
    values = cell.values(metric)
    if values is None:
        return "failed"
    std = float(values.std(ddof=1)) if values.size > 1 else 0.0
    mean = float(values.mean())
    return f"{_num(mean, mean)} ± {_num(std, mean)}"


def _notes(table: Table, results: Results, unavailable: dict[str, str]) -> None:
    for name, reason in unavailable.items():
        table.note(f"{name}: n/a, {reason}")
    for data_name, cells in results.items():
        for name, cell in cells.items():
            if cell.error:
                table.note(f"{name} failed on {data_name}: {cell.error}")


def metric_tables(
    results: Results,
    datasets: list[Dataset],
    models: list[str],
    unavailable: dict[str, str],
    n_folds: int,
) -> list[Table]:
    tables = []
    for metric, (task, higher, label) in METRICS.items():
        rows = [d for d in datasets if d.task == task]
        if not rows:
            continue
        better = "higher" if higher else "lower"
        table = Table(
            f"{label}, mean ± std over {n_folds} folds ({better} is better)",
            ["data set", *models],
        )
        for data in rows:
            cells = results[data.name]
            table.add(data.name, *(_cell_text(cells.get(m), metric) for m in models))
        _notes(table, {d.name: results[d.name] for d in rows}, unavailable)
        tables.append(table)
    return tables


def time_table(results: Results, models: list[str], unavailable) -> Table:
    table = Table(
        "Fit time per fold, seconds (mean; predict time in the summary)",
        ["data set", *models],
    )
    for data_name, cells in results.items():
        row = []
        for m in models:
            cell = cells.get(m)
            row.append(
                "n/a"
                if cell is None or not cell.fit_s
                else f"{np.mean(cell.fit_s):.2f}"
            )
        table.add(data_name, *row)
    for name, reason in unavailable.items():
        table.note(f"{name}: n/a, {reason}")
    return table


def _means(results: Results, data: Dataset, compared: list[str], metric: str):
    """Per model: the mean fold score, oriented so that higher is better."""
    sign = 1.0 if METRICS[metric][1] else -1.0
    out = {}
    for m in compared:
        values = results[data.name][m].values(metric)
        out[m] = None if values is None else sign * float(values.mean())
    return out


def ranks_and_normalised(results, data, compared, metric):
    means = _means(results, data, compared, metric)
    oriented = np.array([-np.inf if v is None else v for v in means.values()])
    ranks = rankdata(-oriented, method="average")
    ok = [v for v in means.values() if v is not None]
    norm = {}
    for m, v in means.items():
        if v is None:
            norm[m] = 0.0
        elif max(ok) == min(ok):
            norm[m] = 1.0
        else:
            norm[m] = (v - min(ok)) / (max(ok) - min(ok))
    return dict(zip(compared, ranks, strict=True)), norm


def compare(results, data, a: str, b: str, metric: str) -> str:
    """'W', 'T' or 'L' for model ``a`` against ``b`` on one data set."""
    va = results[data.name][a].values(metric)
    vb = results[data.name][b].values(metric)
    if va is None or vb is None:
        return "T" if va is None and vb is None else ("L" if va is None else "W")
    sign = 1.0 if METRICS[metric][1] else -1.0
    diff = sign * (va - vb)
    se = float(diff.std(ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0
    mean = float(diff.mean())
    if abs(mean) <= se:
        return "T"
    return "W" if mean > 0 else "L"


def summary_tables(
    results: Results,
    datasets: list[Dataset],
    models: list[str],
    unavailable: dict[str, str],
) -> list[Table]:
    compared = [m for m in models if m not in unavailable]
    primary = " / ".join(METRICS[PRIMARY[t]][2] for t in (CLASSIFICATION, REGRESSION))
    ranks = {m: [] for m in compared}
    norms = {m: {CLASSIFICATION: [], REGRESSION: []} for m in compared}
    for data in datasets:
        r, n = ranks_and_normalised(results, data, compared, PRIMARY[data.task])
        for m in compared:
            ranks[m].append(r[m])
            norms[m][data.task].append(n[m])

    # The fit-time target is against RealMLP-TD: its ratio too, when it ran.
    references = [REFERENCE] + [m for m in ("RealMLP-TD",) if m in compared]
    summary = Table(
        f"Summary over {len(datasets)} data sets (primary metric: {primary})",
        ["model", "mean rank", "norm. score", "norm. classif.", "norm. regr."]
        + ["failed on", "fit s", "predict s"]
        + [f"fit / {reference}" for reference in references],
    )
    for m in models:
        if m not in compared:
            summary.add(m, *["n/a"] * (7 + len(references)))
            continue
        cells = [results[d.name][m] for d in datasets]
        by_task = norms[m]
        summary.add(
            m,
            f"{np.mean(ranks[m]):.2f}",
            f"{np.mean(by_task[CLASSIFICATION] + by_task[REGRESSION]):.3f}",
            _mean_or_na(by_task[CLASSIFICATION]),
            _mean_or_na(by_task[REGRESSION]),
            sum(c.error is not None for c in cells),
            f"{sum(sum(c.fit_s) for c in cells):.1f}",
            f"{sum(sum(c.predict_s) for c in cells):.2f}",
            *(_fit_ratio(results, datasets, m, r) for r in references),
        )
    summary.note(
        "rank: 1 is best, on the mean over folds; norm. score: (score - worst) / "
        "(best - worst) per data set over the compared models, averaged"
    )
    summary.note(
        "fit s / predict s: total wall time over every fold of every data set; "
        "fit / model: ratio of total fit times on the data sets both completed"
    )
    for name, reason in unavailable.items():
        summary.note(f"{name}: n/a, {reason}")

    per_metric = Table(
        "Mean rank per metric (1 is best)",
        ["model", *(label for _, _, label in METRICS.values())],
    )
    for m in models:
        row = []
        for metric, (task, _, _) in METRICS.items():
            rows = [d for d in datasets if d.task == task]
            if m not in compared or not rows:
                row.append("n/a")
                continue
            values = [
                ranks_and_normalised(results, d, compared, metric)[0][m] for d in rows
            ]
            row.append(f"{np.mean(values):.2f}")
        per_metric.add(m, *row)

    wtl = Table(
        f"Wins / ties / losses on {primary}, row model against column model",
        ["model", *compared],
    )
    for a in compared:
        row = []
        for b in compared:
            if a == b:
                row.append("-")
                continue
            outcomes = [compare(results, d, a, b, PRIMARY[d.task]) for d in datasets]
            row.append("/".join(str(outcomes.count(k)) for k in "WTL"))
        wtl.add(a, *row)
    wtl.note(
        "a tie: the mean fold-by-fold difference is within one standard error "
        "of the differences"
    )
    return [summary, per_metric, wtl]


def _mean_or_na(values: list[float]) -> str:
    return f"{np.mean(values):.3f}" if values else "n/a"


def _fit_ratio(
    results: Results, datasets: list[Dataset], m: str, reference: str
) -> str:
    if reference not in next(iter(results.values()), {}):
        return "n/a"
    ours = theirs = 0.0
    for d in datasets:
        a, b = results[d.name][m], results[d.name][reference]
        if a.error is None and b.error is None:
            ours += sum(a.fit_s)
            theirs += sum(b.fit_s)
    return fmt_ratio(ours, theirs) if theirs else "n/a"
