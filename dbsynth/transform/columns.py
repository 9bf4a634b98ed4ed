"""Reversible per-column transforms: values <-> normal scores.

RDT-style template: `fit` / `transform` / `reverse_transform` do the
bookkeeping (null indicator, seeding, output width) and subclasses override
`_fit` / `_transform` / `_reverse`. Every transform serialises to plain JSON
(`to_dict` / `transform_from_dict`): quantile grids and category frequencies,
never the source rows.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from dbsynth.errors import ModelError
from dbsynth.transform import datefmt

MAX_KNOTS = 200
SUPPORT_MAX = 50  # numeric columns with at most this many distinct values are sampled from their support
GRID_MAX = 20_000  # repeating dates snap to the source's own days when there are at most this many
SUPPORT_SHARE = 0.5  # dates are sampled from their support only when values repeat (distinct ≤ this share)
_EPS = 1e-6
_DT_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S.%f",
               "%Y-%m-%dT%H:%M:%S.%f", "%Y/%m/%d", "%d/%m/%Y", "%m/%d/%Y")
_TIME_FORMATS = ("%H:%M:%S", "%H:%M", "%H:%M:%S.%f")


def to_python(value: Any) -> Any:
    """JSON-able plain Python value (numpy scalars unwrapped)."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return None
    return value.item() if isinstance(value, np.generic) else value


def interval_scores(codes: np.ndarray, cdf: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Normal scores of category codes: a uniform draw inside each code's CDF interval."""
    lo = np.concatenate([[0.0], cdf[:-1]])[codes]
    hi = cdf[codes]
    u = lo + (hi - lo) * rng.uniform(0.1, 0.9, size=len(codes))
    return ndtri(np.clip(u, _EPS, 1 - _EPS))


def interval_mid_scores(codes: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    lo = np.concatenate([[0.0], cdf[:-1]])[codes]
    return ndtri(np.clip((lo + cdf[codes]) / 2, _EPS, 1 - _EPS))


def codes_from_scores(z: np.ndarray, cdf: np.ndarray) -> np.ndarray:
    return np.minimum(np.searchsorted(cdf, ndtr(z), side="right"), len(cdf) - 1)


DIRTY_POLICIES = ("keep", "null", "drop")
DIRTY_KEEP_MAX = 20  # distinct dirty values kept as categories, most frequent first
DIRTY_MARKER_LENGTH = 4  # a value seen once is kept only when this short ('', 'T', 'NULL')


class ColumnTransform:
    """Base: one column -> `width` normal-score columns (value scores, then a null indicator).

    Dirty values (SQLite's dynamic typing: ``'NULL'`` or ``''`` in an INTEGER or
    time column) are values a subclass cannot parse. `dirty` says what they
    become: ``keep`` (a category drawn at its source share, beside the scores:
    the column's type accepts any text), ``null`` (counted as NULL) or ``drop``
    (ignored, like any NULL read: a NOT NULL column gets parsed values only).
    """

    kind: ClassVar[str] = "base"
    nulls_as_category: ClassVar[bool] = False

    def __init__(self, *, column: str, dirty: str = "null") -> None:
        self.column = column
        self.null_rate = 0.0
        self.fitted = False
        self.dirty = dirty
        self.dirty_values: list[Any] = []  # kept dirty values, most frequent first (policy keep)
        self.dirty_p: list[float] = []  # their shares of all rows
        self.dirty_count = 0  # dirty values seen at fit (any policy), for the warning

    @property
    def value_width(self) -> int:
        return 1

    @property
    def has_null_indicator(self) -> bool:
        return not self.nulls_as_category and self.null_rate > 0

    @property
    def width(self) -> int:
        return self.value_width + (1 if self.has_null_indicator else 0)

    def fit(self, values: pd.Series) -> "ColumnTransform":
        nulls = values.isna().to_numpy()
        dirty = ~nulls & self._dirty_mask(values)
        self.dirty_count = int(dirty.sum())
        if dirty.any():
            values, nulls = self._set_dirty_aside(values, nulls, dirty)
        if self.dirty == "drop" and nulls.any():  # a NOT NULL column: NULLs read are unreadable values
            values, nulls = values[~nulls], nulls[~nulls]
        self.null_rate = float(nulls.mean()) if len(values) else 0.0
        self._fit(values if self.nulls_as_category else values[~nulls])
        self.fitted = True
        return self

    def _dirty_mask(self, values: pd.Series) -> np.ndarray:
        """Non-null values this transform cannot read (none, unless a subclass parses)."""
        return np.zeros(len(values), dtype=bool)

    def _set_dirty_aside(self, values: pd.Series, nulls: np.ndarray,
                         dirty: np.ndarray) -> tuple[pd.Series, np.ndarray]:
        if self.dirty == "null":
            return values.where(~dirty, None), nulls | dirty
        if self.dirty == "keep":
            counts = values[dirty].map(str).value_counts(sort=False)
            # markers ('', 'N/A', repeated values) are a category; one-off values are data in
            # another format, never copied
            pairs = sorted(((k, v) for k, v in counts.items() if v > 1 or len(k.strip()) <= DIRTY_MARKER_LENGTH),
                           key=lambda kv: (-kv[1], kv[0]))[:DIRTY_KEEP_MAX]
            self.dirty_values = [k for k, _ in pairs]
            self.dirty_p = [float(v) / len(values) for _, v in pairs]
        keep = ~dirty  # keep: the shares above; drop: forgotten
        return values[keep], nulls[keep]

    @property
    def dirty_rate(self) -> float:
        return float(sum(self.dirty_p))

    def transform(self, values: pd.Series, *, rng: np.random.Generator) -> np.ndarray:
        """Scores of shape (n, width); null rows get a median value score."""
        self._check_fitted()
        nulls = values.isna().to_numpy()
        out = np.zeros((len(values), self.width))
        if self.nulls_as_category:
            out[:, 0] = self._transform(values, rng)
            return out
        if (~nulls).any():
            out[~nulls, 0] = self._transform(values[~nulls], rng)
        if self.has_null_indicator:
            cdf = np.array([1 - self.null_rate, 1.0])
            out[:, 1] = interval_scores(nulls.astype(int), cdf, rng)
        return out

    def reverse_transform(self, scores: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        """Object array of insertable Python values (None for NULL)."""
        self._check_fitted()
        if len(scores) == 0:  # a table scaled down to no rows
            return np.empty(0, dtype=object)
        scores = np.atleast_2d(np.asarray(scores, dtype=float).reshape(len(scores), -1))
        values = self._reverse(scores[:, 0], rng)
        if self.has_null_indicator:
            nulls = scores[:, 1] > ndtri(1 - self.null_rate)
            values = np.asarray(values, dtype=object)
            values[nulls] = None
        if self.dirty_values:
            values = self._with_dirty(np.asarray(values, dtype=object), rng)
        return values

    def _with_dirty(self, values: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """Kept dirty values at their source share (their own draw: a rare category carries no trend)."""
        p = np.asarray(self.dirty_p, dtype=float)
        u = rng.uniform(size=len(values))
        which = np.searchsorted(np.cumsum(p), u, side="right")
        hit = which < len(p)
        out = values.copy()
        out[hit] = np.asarray(self.dirty_values, dtype=object)[which[hit]]
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column, "null_rate": self.null_rate, "dirty": self.dirty,
                "dirty_values": self.dirty_values, "dirty_p": self.dirty_p, **self._params()}

    def _check_fitted(self) -> None:
        if not self.fitted:
            raise ModelError(f"transform for column {self.column!r} used before fit",
                             hint="call fit() first (or load a fitted model)")

    def _fit(self, values: pd.Series) -> None:
        raise NotImplementedError

    def _transform(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _reverse(self, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    def _params(self) -> dict[str, Any]:
        return {}

    def _load(self, data: dict[str, Any]) -> None:
        pass


class NumericTransform(ColumnTransform):
    """Empirical CDF (≤200 quantile knots, or the support when small) -> Φ⁻¹.

    Outputs stay inside the observed range, so declared bounds and the source's
    sign hold; integers come back as ints, decimals rounded to their scale.
    """

    kind = "numeric"

    def __init__(self, *, column: str, integer: bool = False, scale: int | None = None,
                 dirty: str = "null") -> None:
        super().__init__(column=column, dirty=dirty)
        self.integer = integer
        self.scale = scale
        self.knots: np.ndarray = np.zeros(0)
        self.support: np.ndarray | None = None
        self.cdf: np.ndarray | None = None
        self.places: int | None = None  # decimals every source value fits in, where no scale is declared

    def _fit(self, values: pd.Series) -> None:
        x = self._numbers(values)
        x = x[~np.isnan(x)]
        if len(x) == 0:
            self.knots = np.zeros(2)
            return
        if not self.integer and self.scale is None:
            self.places = source_places(x)
        uniq, counts = np.unique(x, return_counts=True)
        if len(uniq) <= SUPPORT_MAX:
            self.support, self.cdf = uniq, np.cumsum(counts) / counts.sum()
        self.knots = np.quantile(x, np.linspace(0, 1, min(MAX_KNOTS, max(len(x), 2))))

    def _numbers(self, values: pd.Series) -> np.ndarray:
        return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)

    def _dirty_mask(self, values: pd.Series) -> np.ndarray:
        if not len(values):
            return np.zeros(0, dtype=bool)
        return np.isnan(self._numbers(values)) & values.notna().to_numpy()

    def _transform(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        x = np.nan_to_num(self._numbers(values), nan=float(np.median(self.knots)))
        if self.support is not None and self.cdf is not None:
            idx = np.clip(np.searchsorted(self.support, x), 0, len(self.support) - 1)
            return interval_scores(idx, self.cdf, rng)
        p = np.linspace(0, 1, len(self.knots))
        # average of left/right interpolation puts ties in the middle of their CDF step
        u = (np.interp(x, self.knots, p) + 1 - np.interp(-x, -self.knots[::-1], p)) / 2
        return ndtri(np.clip(u, 0.5 / len(self.knots), 1 - 0.5 / len(self.knots)))

    def _reverse(self, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if self.support is not None and self.cdf is not None:
            x = self.support[codes_from_scores(z, self.cdf)]
        else:
            x = np.interp(ndtr(z), np.linspace(0, 1, len(self.knots)), self.knots)
        return self._finish(x)

    def _finish(self, x: np.ndarray) -> np.ndarray:
        if self.integer:
            return np.array([None if np.isnan(v) else int(v) for v in np.round(x)], dtype=object)
        if self.scale is not None:
            x = np.round(x, self.scale)
        elif self.places is not None:  # prices of 2 decimals stay 2 decimals (14.79, not 14.7850593001535)
            x = np.round(x, self.places)
        return np.array([None if np.isnan(v) else float(v) for v in x], dtype=object)

    def _params(self) -> dict[str, Any]:
        return {"integer": self.integer, "scale": self.scale, "places": self.places, "knots": self.knots.tolist(),
                "support": None if self.support is None else self.support.tolist(),
                "cdf": None if self.cdf is None else self.cdf.tolist()}

    def _load(self, data: dict[str, Any]) -> None:
        self.knots = np.asarray(data["knots"], dtype=float)
        self.places = data.get("places")
        if data.get("support") is not None:
            self.support = np.asarray(data["support"], dtype=float)
            self.cdf = np.asarray(data["cdf"], dtype=float)


def source_places(x: np.ndarray, most: int = 6) -> int | None:
    """The fewest decimals (up to ``most``) that every value has, or None when some have more."""
    for d in range(most + 1):
        if np.allclose(np.round(x, d), x, rtol=0, atol=1e-9):
            return d
    return None


class DatetimeTransform(NumericTransform):
    """Datetimes, dates and times as seconds, through the numeric quantile transform.

    `mode` remembers how the source held them so values come back the same way:
    datetime64 (tz kept), Python dates/times, or text in the source's format
    (datefmt: `1996-07-04 00:00:00.000` keeps its milliseconds' three digits).
    `step` is the source's granularity in seconds (a day for date-only values,
    60 where it has no seconds): generated values are rounded to it.
    """

    kind = "datetime"

    def __init__(self, *, column: str, unit: str = "datetime", dirty: str = "null") -> None:
        super().__init__(column=column, integer=False, dirty=dirty)
        self.unit = unit  # datetime | date | time
        self.mode = "datetime64"
        self.fmt: str | None = None
        self.tz: str | None = None
        self.step: float = datefmt.DATE_STEP if unit == "date" else 1.0
        self.grid: np.ndarray | None = None  # the source's own instants, when they repeat

    def _fit(self, values: pd.Series) -> None:
        secs = self._numbers(values)
        if self.unit == "date":
            self.step = datefmt.DATE_STEP
        else:
            self.step = datefmt.granularity(secs, time_only=self.unit == "time")
        super()._fit(values)
        finite = secs[np.isfinite(secs)]
        if self.support is not None and len(self.support) > SUPPORT_SHARE * len(finite):
            # mostly-distinct dates in a small table (8 employees' birth dates) identify people:
            # drawn between the quantile knots at the column's granularity, never the exact values
            self.support = self.cdf = None
        uniq = np.unique(finite)
        if self.support is None and len(uniq) <= min(SUPPORT_SHARE * len(finite), GRID_MAX):
            # shipping days, business days: values that repeat land on a day the source uses
            # (no order shipped on a day the warehouse never shipped); they identify nobody
            self.grid = uniq

    def _dirty_mask(self, values: pd.Series) -> np.ndarray:
        self._detect(values)  # the format decides what parses
        return super()._dirty_mask(values)

    def _detect(self, values: pd.Series) -> None:
        head = values.dropna()
        if len(head) and isinstance(head.iloc[0], str):
            head = head[head.str.strip() != ""]  # '' says nothing about the format
        head = head.head(200)
        first = head.iloc[0] if len(head) else None
        if isinstance(first, str):
            self.mode = "text"
            self.fmt = datefmt.detect_format(head, time_only=self.unit == "time")
            if self.fmt is None:  # no one exact format: the first that parses them all
                formats = _TIME_FORMATS if self.unit == "time" else _DT_FORMATS
                self.fmt = next((f for f in formats if _parses(head, f)), None)
        elif isinstance(first, dt.time):
            self.mode = "time"
        elif isinstance(first, dt.date) and not isinstance(first, dt.datetime):
            self.mode = "date"
        elif isinstance(values.dtype, pd.DatetimeTZDtype):
            self.tz = str(values.dtype.tz)

    def _numbers(self, values: pd.Series) -> np.ndarray:
        if self.unit == "time":
            return np.array([_time_seconds(v, self.fmt) for v in values], dtype=float)
        if self.mode == "text":
            fmt = None if self.fmt is None else datefmt.parse_format(self.fmt)
            stamps = pd.to_datetime(values, format=fmt, errors="coerce")
        else:
            stamps = pd.to_datetime(values, errors="coerce", utc=self.tz is not None)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        secs = (stamps - pd.Timestamp(0)) / pd.Timedelta(seconds=1)
        return secs.to_numpy(dtype=float, na_value=np.nan)

    def _finish(self, x: np.ndarray) -> np.ndarray:
        x = np.nan_to_num(x, nan=float(np.median(self.knots)) if len(self.knots) else 0.0)
        if self.grid is not None and len(self.grid):
            i = np.clip(np.searchsorted(self.grid, x), 1, len(self.grid) - 1) if len(self.grid) > 1 else np.zeros(len(x), int)
            left = self.grid[np.maximum(i - 1, 0)]
            x = np.where(np.abs(x - left) <= np.abs(self.grid[i] - x), left, self.grid[i])
        micros = datefmt.snap(x, self.step)  # the source's granularity, in whole microseconds
        if self.unit == "time":
            times = [dt.time(int(u // 3_600_000_000) % 24, int(u % 3_600_000_000 // 60_000_000),
                             int(u % 60_000_000 // 1_000_000), int(u % 1_000_000)) for u in micros]
            return np.array([datefmt.format_value(t, self.fmt) if self.mode == "text" and self.fmt else t
                             for t in times], dtype=object)
        if self.mode == "date":  # numpy's calendar, not a Timestamp per row (the same dates, floored)
            return micros.astype("datetime64[us]").astype("datetime64[D]").astype(object)
        stamps = pd.to_datetime(micros, unit="us")
        if self.mode == "text":
            return np.array(datefmt.render(stamps, self.fmt or "%Y-%m-%d %H:%M:%S"), dtype=object)
        if self.tz:
            stamps = stamps.tz_localize("UTC").tz_convert(self.tz)
        return np.array(list(stamps), dtype=object)

    def seconds(self, values: pd.Series) -> np.ndarray:
        """Seconds since the epoch (UTC), NaN where NULL or unreadable."""
        return self._numbers(values.reset_index(drop=True))

    def quantile_of(self, secs: np.ndarray) -> np.ndarray:
        """The column's empirical CDF at `secs` (ties take their middle, as the scores do)."""
        p = np.linspace(0, 1, len(self.knots))
        return (np.interp(secs, self.knots, p) + 1 - np.interp(-secs, -self.knots[::-1], p)) / 2

    def at_quantile(self, u: np.ndarray) -> np.ndarray:
        """Seconds at quantiles `u` (between the source's knots)."""
        return np.interp(u, np.linspace(0, 1, len(self.knots)), self.knots)

    def from_seconds(self, secs: np.ndarray) -> np.ndarray:
        """Values as the column holds them, at its granularity (NaN: None)."""
        out = np.full(len(secs), None, dtype=object)
        ok = np.isfinite(secs)
        if ok.any():
            out[ok] = self._finish(secs[ok])
        return out

    def _params(self) -> dict[str, Any]:
        return {**super()._params(), "unit": self.unit, "mode": self.mode, "fmt": self.fmt, "tz": self.tz,
                "step": self.step, "grid": None if self.grid is None else self.grid.tolist()}

    def _load(self, data: dict[str, Any]) -> None:
        super()._load(data)
        self.unit, self.mode, self.fmt, self.tz = data["unit"], data["mode"], data["fmt"], data["tz"]
        # models saved before the granularity was learned: whole seconds (days for dates), as then
        self.step = float(data.get("step", datefmt.DATE_STEP if self.unit == "date" else 1.0))
        self.grid = None if data.get("grid") is None else np.asarray(data["grid"], dtype=float)


def _parses(values: pd.Series, fmt: str) -> bool:
    try:
        pd.to_datetime(values, format=fmt, errors="raise")
    except (ValueError, TypeError):
        return False
    return True


def _time_seconds(value: Any, fmt: str | None) -> float:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return np.nan
    if isinstance(value, str):
        try:
            value = dt.datetime.strptime(value, datefmt.parse_format(fmt or "%H:%M:%S")).time()
        except ValueError:
            return np.nan
    if isinstance(value, pd.Timedelta):
        return value.total_seconds()
    return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6


class CategoricalTransform(ColumnTransform):
    """Categories (NULL is one of them) as frequency intervals of the normal CDF.

    Only for columns whose values are categories; PII and free-text columns
    never get here (their strings are never stored).
    """

    kind = "categorical"
    nulls_as_category = True

    def __init__(self, *, column: str) -> None:
        super().__init__(column=column)
        self.categories: list[Any] = []
        self.cdf = np.zeros(0)

    def _fit(self, values: pd.Series) -> None:
        counts = values.astype(object).where(values.notna(), None).value_counts(dropna=False, sort=False)
        pairs = sorted(((to_python(k), int(v)) for k, v in counts.items()),
                       key=lambda kv: (-kv[1], str(kv[0])))
        self.categories = [k for k, _ in pairs] or [None]
        freq = np.array([v for _, v in pairs] or [1], dtype=float)
        self.cdf = np.cumsum(freq) / freq.sum()
        self.cdf[-1] = 1.0

    def codes(self, values: pd.Series) -> np.ndarray:
        lookup = {_key(c): i for i, c in enumerate(self.categories)}
        code = lambda v: lookup.get(_key(to_python(v)), 0)  # noqa: E731
        values = pd.Series(values) if not isinstance(values, pd.Series) else values
        if not _bool_free(values):  # True == 1 to a hash table: the per-value look keeps them apart
            return np.array([code(v) for v in values], dtype=int)
        # each distinct value looked up once; NULL-like values (NaN, None, NaT) one by one, as before
        inverse, uniques = pd.factorize(values, use_na_sentinel=True)
        out = np.array([code(u) for u in uniques], dtype=int)[np.where(inverse < 0, 0, inverse)] if len(uniques) \
            else np.zeros(len(values), dtype=int)
        missing = np.flatnonzero(inverse < 0)
        if len(missing):
            out[missing] = [code(v) for v in values.iloc[missing]]
        return out

    def _transform(self, values: pd.Series, rng: np.random.Generator) -> np.ndarray:
        return interval_scores(self.codes(values), self.cdf, rng)

    def _reverse(self, z: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return self.values_of(codes_from_scores(z, self.cdf))

    def values_of(self, codes: np.ndarray) -> np.ndarray:
        cats = np.empty(len(self.categories), dtype=object)
        cats[:] = self.categories
        return cats[codes]

    def _params(self) -> dict[str, Any]:
        return {"categories": self.categories, "cdf": self.cdf.tolist()}

    def _load(self, data: dict[str, Any]) -> None:
        self.categories, self.cdf = list(data["categories"]), np.asarray(data["cdf"], dtype=float)


_BOOL_FREE_KINDS = frozenset({"string", "bytes", "integer", "floating", "mixed-integer-float", "decimal", "complex",
                              "datetime64", "datetime", "date", "timedelta64", "timedelta", "time", "period", "empty"})


def _bool_free(values: pd.Series) -> bool:
    """No value is a bool (so hashing cannot mistake True for 1)."""
    if values.dtype.kind == "b" or str(values.dtype) == "boolean":
        return False
    if values.dtype != object:
        return values.dtype.kind in "iufcmM" or pd.api.types.is_integer_dtype(values.dtype) \
            or pd.api.types.is_float_dtype(values.dtype)
    return pd.api.types.infer_dtype(values, skipna=True) in _BOOL_FREE_KINDS


def _key(value: Any) -> Any:
    # 1 == 1.0 == True in a dict; keep booleans distinct from integers
    return (type(value) is bool, value)


class ConstantTransform(ColumnTransform):
    """A column with one value (or all NULL): zero-width, returns the value."""

    kind = "constant"
    nulls_as_category = True

    def __init__(self, *, column: str) -> None:
        super().__init__(column=column)
        self.value: Any = None

    @property
    def value_width(self) -> int:
        return 0

    @property
    def width(self) -> int:
        return 0

    def _fit(self, values: pd.Series) -> None:
        present = values.dropna()
        self.value = to_python(present.iloc[0]) if len(present) else None

    def transform(self, values: pd.Series, *, rng: np.random.Generator) -> np.ndarray:
        return np.zeros((len(values), 0))

    def reverse_transform(self, scores: np.ndarray, *, rng: np.random.Generator) -> np.ndarray:
        out = np.empty(len(scores), dtype=object)
        out[:] = [self.value] * len(scores)
        return out

    def _params(self) -> dict[str, Any]:
        value = self.value
        if isinstance(value, (dt.date, dt.time, pd.Timestamp)):
            value = str(value)
        return {"value": value if isinstance(value, (str, int, float, bool, type(None))) else str(value)}

    def _load(self, data: dict[str, Any]) -> None:
        self.value = data["value"]


_KINDS: dict[str, type[ColumnTransform]] = {
    c.kind: c for c in (NumericTransform, DatetimeTransform, CategoricalTransform, ConstantTransform)}


def transform_from_dict(data: dict[str, Any]) -> ColumnTransform:
    """Rebuild a fitted transform from `to_dict()` output."""
    try:
        cls = _KINDS[data["kind"]]
        obj = cls.__new__(cls)
        ColumnTransform.__init__(obj, column=data["column"])
        obj.__dict__.update({k: v for k, v in cls(column="_").__dict__.items() if k not in ("column",)})
        obj.column, obj.null_rate, obj.fitted = data["column"], float(data["null_rate"]), True
        obj.dirty = data.get("dirty", "null")
        obj.dirty_values, obj.dirty_p = list(data.get("dirty_values", [])), list(data.get("dirty_p", []))
        for attr in ("integer", "scale"):
            if attr in data:
                setattr(obj, attr, data[attr])
        obj._load(data)
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"invalid transform parameters for column {data.get('column')!r}: {exc}",
                         hint="the model directory is corrupt; re-run `dbsynth fit`") from exc
    return obj
