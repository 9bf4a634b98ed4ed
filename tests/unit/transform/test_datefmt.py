"""Text formats and granularity of dates: detection, rendering, and the transform keeping them."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dbsynth.transform import datefmt
from dbsynth.transform.columns import DatetimeTransform, transform_from_dict


@pytest.mark.parametrize(("values", "fmt"), [
    (["1996-07-04 00:00:00.000", "1996-07-05 13:04:59.120"], "%Y-%m-%d %H:%M:%S.%3f"),
    (["1948-12-08", "1952-02-19"], "%Y-%m-%d"),
    (["2009-01-01 00:00:00", "2009-01-02 10:11:12"], "%Y-%m-%d %H:%M:%S"),
    (["2009-01-01T00:00:00Z", "2009-01-02T10:11:12Z"], "%Y-%m-%dT%H:%M:%SZ"),
    (["2009-01-01 10:30", "2009-01-02 11:45"], "%Y-%m-%d %H:%M"),
    (["13/02/2001", "01/02/2001"], "%d/%m/%Y"),
    (["02/13/2001", "02/01/2001"], "%m/%d/%Y"),
])
def test_detect_format_is_the_exact_source_format(values: list[str], fmt: str) -> None:
    assert datefmt.detect_format(values) == fmt
    stamps = [dt.datetime.strptime(v, datefmt.parse_format(fmt)) for v in values]
    assert datefmt.render(stamps, fmt) == values  # written back exactly as read


def test_detect_format_times_and_mixed_columns() -> None:
    assert datefmt.detect_format(["10:30", "09:05"], time_only=True) == "%H:%M"
    assert datefmt.detect_format(["10:30:00", "09:05:01"], time_only=True) == "%H:%M:%S"
    assert datefmt.detect_format(["2001-01-01", "01/02/2001", "x"]) is None  # no one format
    assert datefmt.detect_format([None, ""]) is None


def test_render_keeps_nulls_and_milliseconds() -> None:
    fmt = "%Y-%m-%d %H:%M:%S.%3f"
    out = datefmt.render([pd.Timestamp("2020-05-06 07:08:09.123456"), None, dt.date(2020, 1, 2), pd.NaT], fmt)
    assert out == ["2020-05-06 07:08:09.123", None, "2020-01-02 00:00:00.000", None]


def test_granularity_steps() -> None:
    day = np.array([0.0, 86400.0 * 3, 86400.0 * 400])
    assert datefmt.granularity(day) == 86400.0
    assert datefmt.granularity(day + 60 * 7) == 60.0
    assert datefmt.granularity(day + 61) == 1.0
    assert datefmt.granularity(day + 0.25) == 1e-3
    assert datefmt.granularity(np.array([3600.0, 7200.0]), time_only=True) == 3600.0


def _draw(tr: DatetimeTransform, values: pd.Series, n: int = 500) -> list:
    tr.fit(values)
    tr = transform_from_dict(tr.to_dict())  # the granularity and format survive the model file
    rng = np.random.default_rng(0)
    return [v for v in tr.reverse_transform(rng.standard_normal((n, tr.width)), rng=rng) if v is not None]


def test_date_only_datetimes_stay_at_midnight() -> None:
    days = np.random.default_rng(1).integers(0, 700, 300)
    values = pd.Series(pd.Timestamp("1996-07-04") + pd.to_timedelta(days, unit="D"))
    out = _draw(DatetimeTransform(column="OrderDate"), values)
    assert all(v == v.normalize() for v in out)
    assert len(set(out) - set(values)) > 0  # new dates, not only the source's


def test_whole_seconds_and_minutes_stay_whole() -> None:
    rng = np.random.default_rng(3)
    secs = pd.Series(pd.to_datetime(1_100_000_000 + rng.integers(0, 10**7, 300), unit="s"))
    assert all(v.microsecond == 0 for v in _draw(DatetimeTransform(column="t"), secs))
    minutes = pd.Series(pd.to_datetime(1_100_000_000 // 60 * 60 + 60 * rng.integers(0, 10**5, 300), unit="s"))
    assert all(v.second == 0 and v.microsecond == 0 for v in _draw(DatetimeTransform(column="t"), minutes))


def test_text_dates_keep_millisecond_text_format() -> None:
    values = pd.Series(["1996-07-04 00:00:00.000", "1996-07-05 00:00:00.000", "1998-05-06 00:00:00.000", None])
    out = _draw(DatetimeTransform(column="OrderDate"), values)
    assert out and all(isinstance(v, str) and v.endswith(" 00:00:00.000") and len(v) == 23 for v in out)
    assert all("1996-07-04" <= v[:10] <= "1998-05-06" for v in out)


def test_text_dates_and_times_keep_their_format() -> None:
    out = _draw(DatetimeTransform(column="BirthDate", unit="date"), pd.Series(["1948-12-08", "1963-08-30"]))
    assert all(len(v) == 10 and dt.date.fromisoformat(v) for v in out)
    out = _draw(DatetimeTransform(column="t", unit="time"), pd.Series(["10:30", "09:05", "17:45"]))
    assert all(len(v) == 5 and dt.datetime.strptime(v, "%H:%M") for v in out)
    times = pd.Series([dt.time(9, 0), dt.time(10, 30), dt.time(17, 15)])
    assert all(isinstance(v, dt.time) and v.second == 0 for v in _draw(DatetimeTransform(column="t", unit="time"), times))


def test_distinct_dates_of_a_small_table_are_not_reproduced() -> None:
    births = pd.Series(pd.to_datetime(["1948-12-08", "1952-02-19", "1963-08-30", "1937-09-19", "1955-03-04",
                                       "1958-01-09", "1966-01-27", "1960-05-29"]))
    out = _draw(DatetimeTransform(column="BirthDate"), births, n=300)
    assert all(v == v.normalize() for v in out)  # still dates
    assert len(set(out) & set(births)) <= 2  # the quantile knots' ends may recur; the people's dates do not
    assert births.min() <= min(out) and max(out) <= births.max()


def test_repeating_dates_land_on_days_the_source_uses() -> None:
    """Business days that repeat (orders shipped Mon–Fri) stay on the source's own days."""
    import numpy as np
    import pandas as pd

    from dbsynth.transform.columns import DatetimeTransform, transform_from_dict

    days = pd.bdate_range("2020-01-01", periods=120)
    t = DatetimeTransform(column="d", unit="date").fit(pd.Series(list(days.date) * 3))
    rng = np.random.default_rng(0)
    out = transform_from_dict(t.to_dict()).reverse_transform(rng.normal(size=500), rng=rng)
    assert set(out) <= set(days.date) and len(set(out)) > 60
    assert all(d.weekday() < 5 for d in out)


def test_mostly_distinct_dates_are_not_snapped_to_source_values() -> None:
    import numpy as np
    import pandas as pd

    from dbsynth.transform.columns import DatetimeTransform

    days = pd.date_range("1940-01-01", periods=300, freq="37D")
    t = DatetimeTransform(column="d", unit="date").fit(pd.Series(days.date))
    out = t.reverse_transform(np.random.default_rng(1).normal(size=300), rng=np.random.default_rng(1))
    assert t.grid is None and len(set(out) - set(days.date)) > 100


def test_numbers_keep_the_sources_decimals_where_no_scale_is_declared() -> None:
    import numpy as np
    import pandas as pd

    from dbsynth.transform.columns import NumericTransform, transform_from_dict

    prices = pd.Series(np.round(np.random.default_rng(0).uniform(1, 300, 400), 2))
    t = transform_from_dict(NumericTransform(column="price").fit(prices).to_dict())
    out = t.reverse_transform(np.random.default_rng(1).normal(size=300), rng=np.random.default_rng(1))
    assert t.places == 2 and all(round(v, 2) == v for v in out) and len(set(out)) > 100
