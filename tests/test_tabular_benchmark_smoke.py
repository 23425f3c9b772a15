"""The tabular accuracy benchmark: ``python -m benchmarks.tabular --quick``.

The quick run goes through a subprocess from the repository root, as CI runs
it, and must print every table with real numbers for each installed model.
The other tests check the bundled data sets and the summary rules on
hand-made results. No timing assertions.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import (
    HistGradientBoostingClassifier,
    HistGradientBoostingRegressor,
)

import skmlp

ROOT = Path(__file__).resolve().parent.parent
# The benchmarks live beside the package, not in it: make them importable
# when pytest runs from anywhere. Appended, so that skmlp still comes from
# the installed package.
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))

from benchmarks.tabular import __main__ as cli  # noqa: E402
from benchmarks.tabular import datasets, models, summary  # noqa: E402
from benchmarks.tabular.protocol import Cell  # noqa: E402

MEAN_STD = re.compile(r"-?[\d,]+\.?\d* ± [\d,]+\.?\d*")
TITLES = (
    "Data sets",
    "Accuracy, mean ± std",
    "Log loss, mean ± std",
    "ROC AUC, mean ± std",
    "R2, mean ± std",
    "RMSE, mean ± std",
    "Fit time per fold",
    "Summary over 3 data sets",
    "Mean rank per metric",
    "Wins / ties / losses",
)


def installed_models() -> list[str]:
    names = ["MLP pipeline", "HistGradientBoosting", "linear"]
    if hasattr(skmlp, "TabularMLPClassifier"):
        names.append("skmlp tabular")
    if importlib.util.find_spec("pytabkit") and importlib.util.find_spec("torch"):
        names.append("RealMLP-TD")
    return names


def sections(out: str) -> dict[str, list[str]]:
    """Table title -> its lines, from the plain-text output."""
    found, title = {}, None
    for line in out.splitlines():
        if line.startswith("== ") and line.endswith(" =="):
            title = line[3:-3]
            found[title] = []
        elif title is not None:
            found[title].append(line)
    return found


def table_rows(lines: list[str]) -> dict[str, list[str]]:
    """First cell -> the other cells; cells are apart by two spaces or more."""
    rows = {}
    for line in lines[2:]:
        if not line.strip() or line.startswith("  * "):
            break
        first, *cells = re.split(r"\s{2,}", line.strip())
        rows[first] = cells
    return rows


def test_quick_run_prints_every_table_with_numbers():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.tabular", "--quick"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-4000:]
    found = sections(proc.stdout)
    for title in TITLES:
        assert any(t.startswith(title) for t in found), (title, list(found))

    names = list(models.MODELS)
    accuracy = next(v for k, v in found.items() if k.startswith("Accuracy"))
    rows = table_rows(accuracy)
    assert set(rows) == {"credit", "hpc_jobs"}
    for cells in rows.values():
        for name, text in zip(names, cells, strict=True):
            if name in installed_models():
                assert MEAN_STD.fullmatch(text), (name, text)
                mean = float(text.split(" ± ")[0])
                assert 0.2 < mean <= 1.0, (name, text)
            else:
                assert text == "n/a", (name, text)

    r2 = next(v for k, v in found.items() if k.startswith("R2"))
    rows = table_rows(r2)
    assert set(rows) == {"saratoga_price"}

    title = next(k for k in found if k.startswith("Summary"))
    rows = table_rows(found[title])
    assert set(rows) == set(names)
    for name, cells in rows.items():
        if name in installed_models():
            rank, norm = float(cells[0]), float(cells[1])
            assert 1.0 <= rank <= len(installed_models())
            assert 0.0 <= norm <= 1.0
        else:
            assert cells[0] == "n/a"
            assert f"{name}: n/a, " in proc.stdout
    assert not re.search(r"^  \* .* failed on ", proc.stdout, re.MULTILINE)


class FakeTabularClassifier(HistGradientBoostingClassifier):
    """Stands in for the tabular estimator: takes the raw frame as it is."""

    def __init__(self, max_iter=100, random_state=None):
        super().__init__(
            max_iter=max_iter,
            random_state=random_state,
            categorical_features="from_dtype",
        )


class FakeTabularRegressor(HistGradientBoostingRegressor):
    def __init__(self, max_iter=100, random_state=None):
        super().__init__(
            max_iter=max_iter,
            random_state=random_state,
            categorical_features="from_dtype",
        )


def test_tabular_column_is_filled_when_the_estimators_import(monkeypatch, capsys):
    monkeypatch.setattr(
        skmlp, "TabularMLPClassifier", FakeTabularClassifier, raising=False
    )
    monkeypatch.setattr(
        skmlp, "TabularMLPRegressor", FakeTabularRegressor, raising=False
    )
    argv = ["--quick", "--models", "tabular,hgb", "--only", "credit,saratoga_price"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    title = next(k for k in sections(out) if k.startswith("Summary"))
    rows = table_rows(sections(out)[title])
    assert set(rows) == {"skmlp tabular", "HistGradientBoosting"}
    ranks = [float(rows[m][0]) for m in rows]
    assert sum(ranks) == pytest.approx(3.0)
    assert "skmlp tabular: n/a" not in out


class BrokenTabularClassifier(FakeTabularClassifier):
    def fit(self, X, y):
        raise ValueError("cannot fit this frame")


def test_a_model_that_raises_is_reported_and_ranked_last(monkeypatch, capsys):
    monkeypatch.setattr(
        skmlp, "TabularMLPClassifier", BrokenTabularClassifier, raising=False
    )
    monkeypatch.setattr(
        skmlp, "TabularMLPRegressor", FakeTabularRegressor, raising=False
    )
    argv = ["--quick", "--models", "tabular,linear", "--only", "credit"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    found = sections(out)
    accuracy = table_rows(next(v for k, v in found.items() if k.startswith("Acc")))
    assert accuracy["credit"][0] == "failed"
    assert MEAN_STD.fullmatch(accuracy["credit"][1])
    assert "skmlp tabular failed on credit: ValueError: cannot fit this frame" in out
    summary_rows = table_rows(next(v for k, v in found.items() if k.startswith("Sum")))
    # mean rank, normalised score, ..., failed on
    assert summary_rows["skmlp tabular"][0] == "2.00"
    assert summary_rows["skmlp tabular"][1] == "0.000"
    assert summary_rows["skmlp tabular"][4] == "1"
    assert summary_rows["linear"][:2] == ["1.00", "1.000"]


def test_saved_runs_on_separate_data_sets_load_as_one_report(
    monkeypatch, capsys, tmp_path
):
    monkeypatch.setattr(
        skmlp, "TabularMLPClassifier", FakeTabularClassifier, raising=False
    )
    monkeypatch.setattr(
        skmlp, "TabularMLPRegressor", FakeTabularRegressor, raising=False
    )
    argv = ["--quick", "--models", "tabular,hgb"]
    assert cli.main(argv + ["--only", "credit,saratoga_price"]) == 0
    whole = sections(capsys.readouterr().out)
    paths = []
    for name in ("credit", "saratoga_price"):
        paths.append(str(tmp_path / f"{name}.json"))
        assert cli.main(argv + ["--only", name, "--save", paths[-1]]) == 0
    capsys.readouterr()
    assert cli.main(["--load", *paths]) == 0
    out = capsys.readouterr().out
    assert "results of the saved runs" in out
    merged = sections(out)
    # Scores, ranks and comparisons as in one run; only the times differ.
    for title in whole:
        if title.startswith(("Fit time", "Summary")):
            continue
        assert table_rows(merged[title]) == table_rows(whole[title]), title
    summary_title = next(k for k in whole if k.startswith("Summary"))
    for model, cells in table_rows(whole[summary_title]).items():
        assert table_rows(merged[summary_title])[model][:4] == cells[:4]
    with pytest.raises(SystemExit):
        cli.main(["--load", paths[0], paths[0]])


def test_data_sets_load_offline_with_mixed_columns():
    tasks = {datasets.CLASSIFICATION: 0, datasets.REGRESSION: 0}
    n_classes = set()
    for name in datasets.SPECS:
        data = datasets.load(name)
        facts = datasets.describe(data)
        assert 1500 <= facts["rows"] <= 50000, name
        assert facts["numeric"] > 0 and facts["categorical"] + facts["boolean"] > 0
        assert len(data.y) == len(data.X) and not np.isnan(data.y).any()
        for col in data.X.columns:
            dtype = data.X[col].dtype
            assert isinstance(dtype, pd.CategoricalDtype) or dtype.kind in "biuf", (
                name,
                col,
                dtype,
            )
        tasks[data.task] += 1
        if data.classes:
            n_classes.add(min(len(data.classes), 3))
    assert min(tasks.values()) >= 5 and sum(tasks.values()) >= 12
    assert n_classes == {2, 3}
    with_missing = [n for n in datasets.SPECS if datasets.load(n).X.isna().any().any()]
    assert len(with_missing) >= 3


def test_subsample_keeps_every_class():
    data = datasets.load("chile_vote").subsample(100)
    assert len(data.y) == 100
    assert set(data.y) == set(range(len(data.classes)))


def _data(name: str, task: str):
    spec = datasets.Spec(name, task, "-", "-", lambda: None)
    return datasets.Dataset(spec, pd.DataFrame(), np.zeros(0), None)


def _cell(**scores) -> Cell:
    return Cell(scores={k: list(v) for k, v in scores.items()}, fit_s=[1.0])


def test_ties_are_within_one_standard_error_of_the_differences():
    data = _data("d", datasets.REGRESSION)
    results = {
        "d": {
            "a": _cell(r2=[0.80, 0.82, 0.81, 0.83]),
            # Always 0.001 lower: tiny, but the same on every fold.
            "b": _cell(r2=[0.799, 0.819, 0.809, 0.829]),
            # 0.005 lower on average, but noisy: within one standard error.
            "c": _cell(r2=[0.70, 0.92, 0.70, 0.92]),
            "failed": Cell(error="ValueError: boom"),
        }
    }
    assert summary.compare(results, data, "a", "b", "r2") == "W"
    assert summary.compare(results, data, "b", "a", "r2") == "L"
    assert summary.compare(results, data, "a", "c", "r2") == "T"
    assert summary.compare(results, data, "a", "failed", "r2") == "W"
    assert summary.compare(results, data, "failed", "failed", "r2") == "T"


def test_lower_is_better_metrics_rank_and_normalise_the_right_way():
    data = _data("d", datasets.CLASSIFICATION)
    results = {
        "d": {
            "a": _cell(log_loss=[0.30, 0.30]),
            "b": _cell(log_loss=[0.40, 0.40]),
            "c": _cell(log_loss=[0.50, 0.50]),
            "failed": Cell(error="RuntimeError"),
        }
    }
    ranks, norm = summary.ranks_and_normalised(
        results, data, ["a", "b", "c", "failed"], "log_loss"
    )
    assert ranks == {"a": 1.0, "b": 2.0, "c": 3.0, "failed": 4.0}
    assert norm == pytest.approx({"a": 1.0, "b": 0.5, "c": 0.0, "failed": 0.0})


def test_unknown_names_are_refused():
    with pytest.raises(SystemExit):
        cli.parse_args(["--only", "no_such_data"])
    with pytest.raises(SystemExit):
        cli.parse_args(["--models", "xgboost"])
    args = cli.parse_args(["--models", "hgb,linear", "--only", "wage"])
    assert args.model_names == ["HistGradientBoosting", "linear"]
    assert args.datasets == ["wage"]
