"""Ablation of the tabular recipe: each trick switched off, one at a time.

    python -m benchmarks.tabular.ablation                  # every variant
    python -m benchmarks.tabular.ablation --only credit,wage --folds 3
    python -m benchmarks.tabular.ablation --save part1.json ...
    python -m benchmarks.tabular.ablation --load part1.json part2.json

Every variant is ``TabularMLPClassifier`` / ``TabularMLPRegressor`` with its
defaults except the parameters of its row in :data:`VARIANTS`, fitted on the
same folds with the same seeds as the defaults. The table gives, per
variant, the mean change of the primary score (accuracy, R2) against the
defaults over the classification and the regression data sets, the wins /
ties / losses of the defaults against the variant (a tie: the mean fold
difference is within one standard error), and the fit time relative to the
defaults. A trick earns its place in the defaults when switching it off
loses.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings

import numpy as np
from threadpoolctl import threadpool_limits

from .datasets import CLASSIFICATION, SPECS, load
from .protocol import folds, score

# name: (parameters changed from the defaults, tasks it applies to)
BOTH = ("classification", "regression")
VARIANTS = {
    "defaults": ({}, BOTH),
    "no periodic embedding": ({"numeric_embedding": None}, BOTH),
    "no feature scale": ({"feature_scale": False}, BOTH),
    "standard parametrisation": ({"parametrization": "standard"}, BOTH),
    "plain activation": ({"parametric_activation": False}, BOTH),
    # RealMLP's activations, the defaults until the 14-data-set run showed
    # ReLU as good (see docs/user_guide/tabular_ablation.txt).
    "selu": ({"activation": "selu"}, (CLASSIFICATION,)),
    "mish": ({"activation": "mish"}, ("regression",)),
    "no dropout": ({"dropout": 0.0}, BOTH),
    "no weight decay": ({"weight_decay": 0.0}, BOTH),
    "no label smoothing": ({"label_smoothing": 0.0}, (CLASSIFICATION,)),
    "Adam beta_2 = 0.999": ({"beta_2": 0.999}, BOTH),
    "cosine schedule": ({"learning_rate_schedule": "cosine"}, BOTH),
    "random init": ({"init": "random"}, BOTH),
    "no best epoch": ({"validation_fraction": None}, BOTH),
    "no output clamp": ({"clamp_output": False}, ("regression",)),
    "128 epochs": ({"max_iter": 128}, BOTH),
    "2 x 256 units": ({"hidden_layer_sizes": (256, 256)}, BOTH),
    # The periodic embedding, the weight decay and the label smoothing were
    # each within the noise when removed alone on 6 data sets: together?
    "no periodic/decay/smooth": (
        {"numeric_embedding": None, "weight_decay": 0.0, "label_smoothing": 0.0},
        (CLASSIFICATION,),
    ),
    "no periodic/decay": (
        {"numeric_embedding": None, "weight_decay": 0.0},
        ("regression",),
    ),
}

# Small and mid-sized sets of both tasks: the whole ablation runs in about
# an hour on 2 cores.
DEFAULT_DATASETS = [
    "credit",
    "chile_vote",
    "hpc_jobs",
    "pitch_type",
    "wage",
    "saratoga_price",
    "computer_price",
    "ames_price",
]


def run(datasets, variants, n_folds, threads, save=None):
    """Scores and fit times: ``{dataset: {variant: [[score, seconds], ...]}}``.

    With ``save``, the results so far are written there after every fold, so
    that an interrupted run keeps what it measured.
    """
    import skmlp

    results = {}
    for name in datasets:
        data = load(name)
        estimator = (
            skmlp.TabularMLPClassifier
            if data.task == CLASSIFICATION
            else skmlp.TabularMLPRegressor
        )
        metric = "accuracy" if data.task == CLASSIFICATION else "r2"
        results[name] = {"task": data.task}
        for i, (train, test) in enumerate(folds(data, n_folds, 1)):
            for variant in variants:
                params, tasks = VARIANTS[variant]
                if data.task not in tasks:
                    continue
                model = estimator(random_state=1000 + i, **params)
                with threadpool_limits(threads), warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    start = time.perf_counter()
                    model.fit(data.X.iloc[train], data.y[train])
                    seconds = time.perf_counter() - start
                    if data.task == CLASSIFICATION:
                        output = model.predict_proba(data.X.iloc[test])
                    else:
                        output = model.predict(data.X.iloc[test])
                value = score(data, data.y[test], np.asarray(output, np.float64))
                results[name].setdefault(variant, []).append([value[metric], seconds])
            print(f"{name} fold {i + 1} done", file=sys.stderr, flush=True)
            if save:
                with open(save, "w") as f:
                    json.dump(results, f)
    return results


def table(results):
    """The ablation table as text lines."""
    header = (
        f"{'variant':<26} {'d accuracy':>11} {'d R2':>8} "
        f"{'defaults W/T/L':>15} {'fit time':>9}"
    )
    lines = [header, "-" * len(header)]
    # Saved runs keep their variants' names: those no longer in VARIANTS
    # (a default changed since) are reported too, after the others.
    saved = [v for per in results.values() for v in per if v != "task"]
    for variant in list(VARIANTS) + [
        v for v in dict.fromkeys(saved) if v not in VARIANTS
    ]:
        deltas = {CLASSIFICATION: [], "regression": []}
        wins = ties = losses = 0
        times = []
        for per_variant in results.values():
            if variant not in per_variant or "defaults" not in per_variant:
                continue
            base = np.asarray(per_variant["defaults"])
            other = np.asarray(per_variant[variant])
            diff = base[:, 0] - other[:, 0]
            deltas[per_variant["task"]].append(-diff.mean())
            se = diff.std(ddof=1) / np.sqrt(len(diff)) if len(diff) > 1 else 0.0
            if abs(diff.mean()) <= se or variant == "defaults":
                ties += 1
            elif diff.mean() > 0:
                wins += 1
            else:
                losses += 1
            times.append(other[:, 1].sum() / base[:, 1].sum())
        if not times:
            continue

        def mean(values):
            return f"{np.mean(values):+.4f}" if values else "-"

        lines.append(
            f"{variant:<26} {mean(deltas[CLASSIFICATION]):>11} "
            f"{mean(deltas['regression']):>8} "
            f"{f'{wins}/{ties}/{losses}':>15} {np.mean(times):>8.2f}x"
        )
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated data sets")
    parser.add_argument("--variants", help="comma-separated variants")
    parser.add_argument("--folds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--save", help="write the raw results to this JSON file")
    parser.add_argument("--load", nargs="+", help="report saved results instead")
    args = parser.parse_args(argv)
    if args.load:
        results = {}
        for path in args.load:
            with open(path) as f:
                results.update(json.load(f))
    else:
        datasets = args.only.split(",") if args.only else DEFAULT_DATASETS
        unknown = set(datasets) - set(SPECS)
        if unknown:
            parser.error(f"unknown data sets: {sorted(unknown)}")
        variants = args.variants.split(",") if args.variants else list(VARIANTS)
        if "defaults" not in variants:
            variants.insert(0, "defaults")
        results = run(datasets, variants, args.folds, args.threads, args.save)
    print(f"Ablation over {len(results)} data sets ({', '.join(results)})")
    print("\n".join(table(results)))
    print(
        "  * d accuracy / d R2: mean change of the score when the trick is "
        "switched off (negative: the trick helps)\n"
        "  * defaults W/T/L: data sets where the defaults win, tie (within one "
        "standard error of the fold differences) or lose against the variant\n"
        "  * fit time: total fit time relative to the defaults"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
