"""One table's column layout and relational facts, shared by every table generator.

Transforms (each column as normal scores), child counts per context child, what a
row inherits or copies from its parent, family-trait donors, orderings,
functional dependencies, fake/natural-key specs. A table generator (copula,
neural, a plug-in) draws the modelled columns' scores on top of this layout;
everything else the sampler fills from it.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from dbsynth.profile.types import ColumnProfile, SemanticType, TableProfile
from dbsynth.relational.dependencies import Dependency, close_forced
from dbsynth.relational.sequences import Sequences
from dbsynth.relational.traits import Donors
from dbsynth.schema.model import Column, LogicalType
from dbsynth.transform.columns import (CategoricalTransform, ColumnTransform, ConstantTransform,
                                       DatetimeTransform, NumericTransform, codes_from_scores,
                                       interval_mid_scores, transform_from_dict)

_NUMERIC = {LogicalType.INTEGER, LogicalType.FLOAT, LogicalType.DECIMAL}
_TIMES = {LogicalType.DATE: "date", LogicalType.DATETIME: "datetime", LogicalType.TIME: "time"}
_PLACEHOLDER = {LogicalType.JSON: "{}", LogicalType.BINARY: b"", LogicalType.ARRAY: "{}",
                LogicalType.INTERVAL: "0"}


@dataclass
class CountSpec:
    child: str
    fk: str  # comma-joined child FK columns
    ratio: float  # source child rows per parent row
    cap: float  # most children one source parent had
    transform: ColumnTransform


@dataclass
class TableModel:
    name: str
    rows: int
    transforms: list[ColumnTransform] = field(default_factory=list)
    counts: list[CountSpec] = field(default_factory=list)
    parent: str | None = None
    # (fine column, coarse column, coarse code per fine code or ANY, coarse codes seen with a NULL
    # fine value): city → country holds exactly
    dependencies: list[Dependency] = field(default_factory=list)
    inherit: dict[str, str] = field(default_factory=dict)  # own column -> context parent column it copies
    donors: Donors | None = None  # family traits, drawn once per synthetic parent (traits.py)
    copies: dict[str, dict[str, Any]] = field(default_factory=dict)  # own column -> parent column, rate (copies.py)
    orderings: list[tuple[str, str]] = field(default_factory=list)  # (a, b): a <= b in every source row
    sequences: Sequences = field(default_factory=Sequences)  # family order and lags of date/times (sequences.py)
    fakes: list[dict[str, Any]] = field(default_factory=list)
    places: dict[str, Any] = field(default_factory=dict)  # address groups drawn per row (transform/places.py)
    others: list[dict[str, Any]] = field(default_factory=list)
    # the hidden family class column of this table, when one was found (families.py): classes, sizes, features
    family: dict[str, Any] | None = None
    # the context parent's family class: {"feature": its index in the parent's scores, "cdf": the class CDF}
    family_link: dict[str, Any] | None = None

    @property
    def own_width(self) -> int:
        return sum(t.width for t in self.transforms)

    def own_scores(self, frame: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
        parts = [t.transform(frame[t.column], rng=rng) for t in self.transforms]
        return np.hstack(parts) if parts else np.zeros((len(frame), 0))

    def matching_scores(self, own: np.ndarray) -> np.ndarray:
        """Own scores with each category at the middle of its interval.

        The random spread inside a category's interval is noise to a linear
        fit: with two price points it hides a perfect dependence.
        """
        out = own.copy()
        for t, sl in zip(self.transforms, self.slices().values()):
            if isinstance(t, CategoricalTransform) and sl.stop > sl.start:
                out[:, sl.start] = interval_mid_scores(codes_from_scores(own[:, sl.start], t.cdf), t.cdf)
        return out

    def slices(self) -> dict[str, slice]:
        out, pos = {}, 0
        for t in self.transforms:
            out[t.column] = slice(pos, pos + t.width)
            pos += t.width
        return out

    def forced_codes(self, parent_values: dict[str, np.ndarray],
                     fixed: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Category codes of own columns not drawn here: copied from the parent row or fixed per family."""
        by_name = {t.column: t for t in self.transforms}
        out = dict(fixed)
        for col, source in self.inherit.items():
            tr = by_name.get(col)
            if source in parent_values and isinstance(tr, CategoricalTransform):
                out[col] = tr.codes(pd.Series(parent_values[source], dtype=object))
        return close_forced(out, self.dependencies)

    # -- persistence --------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "rows": self.rows, "transforms": [t.to_dict() for t in self.transforms],
                "counts": [{"child": c.child, "fk": c.fk, "ratio": c.ratio, "cap": c.cap,
                            "transform": c.transform.to_dict()} for c in self.counts],
                "parent": self.parent,
                "dependencies": [list(d) for d in self.dependencies],
                "inherit": self.inherit, "copies": self.copies,
                "donors": None if self.donors is None else self.donors.to_dict(),
                "orderings": [list(o) for o in self.orderings], "sequences": self.sequences.to_dict(),
                "fakes": [{k: v for k, v in f.items() if k != "avoid"} for f in self.fakes],
                "others": self.others, "places": self.places, "family": self.family,
                "family_link": self.family_link}

    def arrays(self) -> dict[str, np.ndarray]:
        out: dict[str, np.ndarray] = {}
        for i, f in enumerate(self.fakes):
            out[f"avoid_{i}"] = np.asarray(sorted(f.get("avoid", ())), dtype=str)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any], arrays: dict[str, np.ndarray]) -> "TableModel":
        fakes = [dict(f) for f in data["fakes"]]
        for i, f in enumerate(fakes):
            f["avoid"] = frozenset(arrays.get(f"avoid_{i}", np.zeros(0, dtype=str)).tolist())
        counts = [CountSpec(child=c["child"], fk=c["fk"], ratio=c["ratio"], cap=c["cap"],
                            transform=transform_from_dict(c["transform"])) for c in data["counts"]]
        return cls(name=data["name"], rows=data["rows"],
                   transforms=[transform_from_dict(t) for t in data["transforms"]], counts=counts,
                   parent=data["parent"], fakes=fakes,
                   dependencies=[(d[0], d[1], list(d[2]), list(d[3]) if len(d) > 3 else [])
                                 for d in data.get("dependencies", [])],
                   inherit=dict(data.get("inherit", {})), copies=dict(data.get("copies", {})),
                   donors=Donors.from_dict(data["donors"]) if data.get("donors") else None,
                   orderings=[(a, b) for a, b in data.get("orderings", [])],
                   sequences=Sequences.from_dict(data.get("sequences")),
                   others=data["others"], places=dict(data.get("places", {})),
                   family=data.get("family"), family_link=data.get("family_link"))

    def own_family_cdf(self) -> list[float]:
        """The CDF of this table's own hidden family class ([] without one)."""
        from dbsynth.relational.families import FAMILY_COLUMN
        tr = next((t for t in self.transforms if t.column == FAMILY_COLUMN), None)
        return [float(c) for c in tr.cdf] if isinstance(tr, CategoricalTransform) and tr.width else []

    def own_family(self, own: np.ndarray) -> np.ndarray | None:
        """This table's own family class per row, from its own scores (None without one)."""
        from dbsynth.relational.families import FAMILY_COLUMN
        cdf = self.own_family_cdf()
        if not cdf:
            return None
        return codes_from_scores(own[:, self.slices()[FAMILY_COLUMN].start], np.asarray(cdf))

    def family_classes(self, parent_scores: np.ndarray) -> np.ndarray | None:
        """The context parent's family class per row, from its scores (None without a family class)."""
        link = self.family_link
        if link is None or parent_scores.shape[1] <= link["feature"]:
            return None
        return codes_from_scores(parent_scores[:, link["feature"]], np.asarray(link["cdf"], dtype=float))


# -- roles -------------------------------------------------------------------
def column_role(column: Column, profile: ColumnProfile | None, values: pd.Series) -> str:
    """numeric | datetime | categorical | constant | fake | natural_key | other."""
    if profile is not None:
        return _role_from_profile(column, profile)
    lt = column.logical_type
    present = values.dropna()
    if present.nunique() <= 1 and lt not in (LogicalType.UUID,):
        return "constant"
    if lt in _NUMERIC:
        return "numeric"
    if lt in _TIMES:
        return "datetime"
    if lt in (LogicalType.BOOLEAN, LogicalType.ENUM):
        return "categorical"
    if lt == LogicalType.UUID:
        return "natural_key"
    if lt == LogicalType.TEXT:
        few = present.nunique() <= max(20, int(0.05 * len(present)))
        return "categorical" if few else "fake"
    return "other"


_ROLE_OF_SEMANTIC = {
    SemanticType.NUMERIC: "numeric", SemanticType.DATETIME: "datetime", SemanticType.DATE: "datetime",
    SemanticType.TIME: "datetime", SemanticType.CATEGORICAL: "categorical", SemanticType.BOOLEAN: "categorical",
    SemanticType.PII: "fake", SemanticType.TEXT: "fake", SemanticType.KEY: "natural_key",
    SemanticType.CONSTANT: "constant",
}


def _role_from_profile(column: Column, profile: ColumnProfile) -> str:
    return _ROLE_OF_SEMANTIC.get(profile.semantic, "other")


def make_transform(column: Column, role: str) -> ColumnTransform:
    if role == "numeric":
        integer = column.logical_type == LogicalType.INTEGER or (
            column.logical_type == LogicalType.DECIMAL and column.scale == 0)
        scale = column.scale if column.logical_type == LogicalType.DECIMAL else None
        return NumericTransform(column=column.name, integer=integer, scale=scale, dirty=dirty_policy(column))
    if role == "datetime":
        return DatetimeTransform(column=column.name, unit=_TIMES.get(column.logical_type, "datetime"),
                                 dirty=dirty_policy(column))
    if role == "constant":
        return ConstantTransform(column=column.name)
    return CategoricalTransform(column=column.name)


def dirty_policy(column: Column) -> str:
    """What unparseable values of a numeric/time column become (see ColumnTransform).

    A text column holds them as they are ('' in a TEXT time column keeps its
    share); a typed column cannot, so they are NULL, or ignored when NOT NULL.
    """
    if column.logical_type in (LogicalType.TEXT, LogicalType.OTHER):
        return "keep"
    return "null" if column.nullable else "drop"


def dirty_note(table: str, transform: ColumnTransform) -> str | None:
    """One warning line for a column that held values its type cannot read, or None."""
    if not transform.dirty_count:
        return None
    what = {"keep": f"kept as a category at their share ({', '.join(map(repr, transform.dirty_values[:3]))})",
            "null": "generated as NULL", "drop": "left out (the column is NOT NULL)"}[transform.dirty]
    return (f"{table}.{transform.column}: {transform.dirty_count} value(s) that are not "
            f"{getattr(transform, 'unit', transform.kind)} {what}")


def placeholder(column: Column) -> Any:
    """OTHER columns (json, binary, arrays…): NULL when allowed, else a minimal valid value."""
    if column.nullable:
        return None
    return _PLACEHOLDER.get(column.logical_type, "")


def profile_of(profile: TableProfile | None, name: str) -> ColumnProfile | None:
    if profile is None:
        return None
    try:
        return profile.column(name)
    except KeyError:
        return None


# -- fitting -----------------------------------------------------------------
INHERIT_MIN_AGREEMENT = 0.95
ORDERING_MIN_ROWS = 20


def find_orderings(model: TableModel, frame: pd.DataFrame) -> list[tuple[str, str]]:
    """Numeric/date column pairs with a <= b in every source row (rental_date <= return_date)."""
    cols = [t.column for t in model.transforms
            if isinstance(t, NumericTransform) and not isinstance(t, ConstantTransform) and t.column in frame]
    numbers = {c: _as_number(frame[c]) for c in cols}
    out = []
    kind = {t.column: isinstance(t, DatetimeTransform) for t in model.transforms}
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            if kind[a] != kind[b]:  # a price is never ordered against a date
                continue
            both = ~(np.isnan(numbers[a]) | np.isnan(numbers[b]))
            if both.sum() < ORDERING_MIN_ROWS:
                continue
            x, y = numbers[a][both], numbers[b][both]
            if (x <= y).all() and (x < y).any():
                out.append((a, b))
            elif (y <= x).all() and (y < x).any():
                out.append((b, a))
    return out


def _as_number(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.astype("int64").where(values.notna()).to_numpy(dtype=float)
    if values.dtype == object:
        parsed = pd.to_datetime(values, errors="coerce", format="mixed")
        if parsed.notna().sum() >= values.notna().sum() * 0.99 and values.notna().any():
            return parsed.astype("int64").where(parsed.notna()).to_numpy(dtype=float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def keep_orderings(values: dict[str, np.ndarray], orderings: list[tuple[str, str]]) -> None:
    """Swap the two values where a synthetic row breaks a source ordering (marginals barely move)."""
    for _ in range(3):  # chains a <= b <= c settle in a few passes
        for a, b in orderings:
            if a not in values or b not in values:
                continue
            x, y = values[a], values[b]
            bad = _broken(x, y)
            if bad.any():
                x_bad = x[bad].copy()
                x[bad] = [_like(new, old, math.floor) for new, old in zip(y[bad], x_bad)]
                y[bad] = [_like(new, old, math.ceil) for new, old in zip(x_bad, y[bad])]


def _like(new: Any, old: Any, to_int: Any) -> Any:
    """`new` in the slot of `old`: an integer column keeps integers (int_1 <= decimal_5 swaps 17859.5 in).

    The lower slot rounds down and the upper one up, so the pair stays ordered.
    """
    if isinstance(old, (int, np.integer)) and not isinstance(old, bool) and isinstance(new, (float, np.floating)):
        return int(to_int(new)) if new == new and abs(new) != float("inf") else new
    return new


def _broken(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Rows where x > y, NULL / NaN / NaT on either side never: one comparison over the whole
    columns; row by row only where the values do not compare as a whole (mixed representations)."""
    x_arr, y_arr = np.asarray(x), np.asarray(y)
    present = ~(pd.isna(x_arr) | pd.isna(y_arr))
    bad = np.zeros(len(x_arr), dtype=bool)
    try:
        with np.errstate(invalid="ignore"):
            bad[present] = np.asarray(x_arr[present] > y_arr[present], dtype=bool)
    except (TypeError, ValueError, ArithmeticError):
        return np.array([_greater(u, v) for u, v in zip(x, y)], dtype=bool)
    return bad


def _greater(u: Any, v: Any) -> bool:
    if u is None or v is None or _isnan(u) or _isnan(v):
        return False
    try:
        return bool(u > v)
    except TypeError:  # mixed representations: leave the row as drawn
        return False


def _isnan(v: Any) -> bool:
    return isinstance(v, float) and v != v or v is pd.NaT


def family_link(parent: TableModel) -> dict[str, Any] | None:
    """Where a child finds its parent's family class among the parent's scores (None: the parent has none)."""
    from dbsynth.relational.families import FAMILY_COLUMN
    tr = next((t for t in parent.transforms if t.column == FAMILY_COLUMN), None)
    if not isinstance(tr, CategoricalTransform) or tr.width == 0:
        return None
    return {"feature": parent.slices()[FAMILY_COLUMN].start, "cdf": [float(c) for c in tr.cdf]}


def inherited_columns(model: TableModel, frame: pd.DataFrame, parent_model: TableModel,
                      joined: pd.DataFrame) -> dict[str, str]:
    """Own categorical columns equal to a parent categorical column on ≥95% of rows.

    `joined` holds the parent's row for each child row (same index as `frame`).
    """
    out: dict[str, str] = {}
    parent_cats = [t.column for t in parent_model.transforms if isinstance(t, CategoricalTransform)]
    for t in model.transforms:
        if not isinstance(t, CategoricalTransform) or len(t.categories) < 2 or t.column not in frame:
            continue
        mine = frame[t.column].astype(object).where(frame[t.column].notna(), None).map(str)
        for col in parent_cats:
            if col not in joined:  # the hidden family class: no column of the parent's rows
                continue
            theirs = joined[col].astype(object).where(joined[col].notna(), None).map(str)
            if len(mine) and (mine.to_numpy() == theirs.to_numpy()).mean() >= INHERIT_MIN_AGREEMENT:
                out[t.column] = col
                break
    return out
