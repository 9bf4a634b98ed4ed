"""Unusual schemas and dirty data: two parents for one column, value columns in a composite key,
all-orphan FKs, text longer than declared, INTEGER FK to a text key."""
from __future__ import annotations

import numpy as np
import pandas as pd

from dbsynth.engines.base import FitOptions, SampleOptions
from dbsynth.relational import cardinality as card
from dbsynth.engines.registry import get_engine
from dbsynth.profile import SemanticType, profile_schema, profile_table
from dbsynth.schema.graph import build_plan
from dbsynth.schema.model import CheckConstraint, Column, ForeignKey, LogicalType, PrimaryKey, Schema, Table

INT, TEXT = LogicalType.INTEGER, LogicalType.TEXT


def _col(name: str, lt: LogicalType = INT, nullable: bool = False, length: int | None = None) -> Column:
    sql = f"VARCHAR({length})" if length else lt.value
    return Column(name=name, logical_type=lt, type_sql=sql, nullable=nullable, length=length)


def _seed(schema: Schema, frames: dict[str, pd.DataFrame], seed: int = 1):
    profiles = profile_schema(schema=schema, frames=frames)
    model = get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles=profiles,
                                     options=FitOptions(seed=seed))
    out: dict[str, list[pd.DataFrame]] = {}
    for chunk in model.sample(options=SampleOptions(seed=seed)):
        out.setdefault(chunk.table, []).append(chunk.frame)
    return model, {t: pd.concat(f, ignore_index=True) for t, f in out.items()}


def test_one_column_two_parents_holds_both() -> None:
    tables = (
        Table("orders", (_col("order_id"), _col("amount")), primary_key=PrimaryKey(("order_id",))),
        Table("bookings", (_col("booking_id"), _col("fee")), primary_key=PrimaryKey(("booking_id",))),
        Table("invoices", (_col("invoice_id"), _col("order_id"), _col("qty")), primary_key=PrimaryKey(("invoice_id",)),
              foreign_keys=(ForeignKey(("order_id",), "orders", ("order_id",)),
                            ForeignKey(("order_id",), "bookings", ("booking_id",)))),
    )
    frames = {"orders": pd.DataFrame({"order_id": range(1, 31), "amount": range(10, 310, 10)}),
              "bookings": pd.DataFrame({"booking_id": range(1, 21), "fee": range(3, 63, 3)}),
              "invoices": pd.DataFrame({"invoice_id": range(1, 61), "order_id": [i % 20 + 1 for i in range(60)],
                                        "qty": [i % 7 for i in range(60)]})}
    _, out = _seed(Schema(dialect="sqlite", tables=tables), frames)
    inv = out["invoices"]
    assert len(inv) == 60
    assert set(inv["order_id"]) <= set(out["orders"]["order_id"]) & set(out["bookings"]["booking_id"])


def test_composite_key_values_keep_type_domain_and_uniqueness() -> None:
    rows = [(s, d, h, h + 1) for s, h in zip("ABCDEFG", (8, 9, 11, 13, 10, 14, 16)) for d in "MWF"]
    frame = pd.DataFrame(rows, columns=["slot", "day", "start_hr", "end_hr"])
    table = Table("time_slot", (_col("slot", TEXT, length=4), _col("day", TEXT, length=1), _col("start_hr"),
                                _col("end_hr", nullable=True)),
                  primary_key=PrimaryKey(("slot", "day", "start_hr")),
                  checks=(CheckConstraint("start_hr >= 0 AND start_hr < 24"),))
    prof = profile_table(table=table, frame=frame)
    assert prof.column("start_hr").semantic != SemanticType.KEY and prof.column("day").semantic != SemanticType.KEY
    _, out = _seed(Schema(dialect="sqlite", tables=(table,)), {"time_slot": frame})
    got = out["time_slot"]
    assert len(got) == len(frame)
    assert not got.duplicated(["slot", "day", "start_hr"]).any()
    assert all(isinstance(v, int) and 0 <= v < 24 for v in got["start_hr"])
    assert set(got["day"]) <= set("MWF")


def test_all_orphan_fk_is_not_learned_but_still_holds() -> None:
    codes = [f"{chr(65 + i // 26)}{chr(65 + i % 26)}X" for i in range(50)]
    tables = (Table("airports", (_col("code", TEXT), _col("city", TEXT)), primary_key=PrimaryKey(("code",))),
              Table("flights", (_col("id"), _col("src", TEXT, nullable=True)), primary_key=PrimaryKey(("id",)),
                    foreign_keys=(ForeignKey(("src",), "airports", ("code",), nullable=True),)))
    frames = {"airports": pd.DataFrame({"code": codes, "city": [f"City {i}" for i in range(50)]}),
              "flights": pd.DataFrame({"id": range(1, 601), "src": [" " + codes[i % 50] for i in range(600)]})}
    fk = tables[1].foreign_keys[0]
    assert card.match_rate(frames["flights"], frames["airports"], fk) == 0.0
    model, out = _seed(Schema(dialect="sqlite", tables=tables), frames)
    assert len(out["flights"]) == 600
    assert set(out["flights"]["src"].dropna()) <= set(out["airports"]["code"])
    assert any("only 0%" in w for w in model.warnings)


def test_text_longer_than_declared_is_cut_once_with_a_warning() -> None:
    tables = (Table("company", (_col("id"), _col("kind", TEXT, length=5)), primary_key=PrimaryKey(("id",))),)
    frame = pd.DataFrame({"id": range(1, 41), "kind": ["Supplier", "Maintenance Contractor", "Shop", "Lab"] * 10})
    model, out = _seed(Schema(dialect="sqlite", tables=tables), {"company": frame})
    assert len(out["company"]) == 40
    assert out["company"]["kind"].map(len).max() <= 5
    assert sum("longer than its declared" in w for w in model.warnings) == 1


def test_integer_fk_to_text_key_gets_keys_of_both_types() -> None:
    tables = (Table("courses", (_col("course_id", TEXT, length=100), _col("name", TEXT, nullable=True)),
                    primary_key=PrimaryKey(("course_id",))),
              Table("reg", (_col("id"), _col("course_id")), primary_key=PrimaryKey(("id",)),
                    foreign_keys=(ForeignKey(("course_id",), "courses", ("course_id",)),)))
    frames = {"courses": pd.DataFrame({"course_id": [str(301 + i) for i in range(30)],
                                       "name": [f"course {i}" for i in range(30)]}),
              "reg": pd.DataFrame({"id": range(1, 91), "course_id": [301 + i % 30 for i in range(90)]})}
    _, out = _seed(Schema(dialect="sqlite", tables=tables), frames)
    parents = set(out["courses"]["course_id"])
    assert all(isinstance(k, str) and str(int(k)) == k for k in parents)
    assert len(out["reg"]) == 90
    assert all(isinstance(v, int) and str(v) in parents for v in out["reg"]["course_id"])
    assert np.all(out["reg"]["course_id"].notna())


def test_text_in_a_categorical_integer_column_never_reaches_the_rows() -> None:
    stars = [1 + i % 5 for i in range(400)]
    rating = [1 + i % 3 for i in range(400)]
    for i in range(0, 400, 40):
        stars[i], rating[i] = "T", ""
    tables = (Table("r", (_col("id"), _col("stars", nullable=True), _col("rating")), primary_key=PrimaryKey(("id",))),)
    frame = pd.DataFrame({"id": range(1, 401), "stars": pd.Series(stars, dtype=object),
                          "rating": pd.Series(rating, dtype=object)})
    model, out = _seed(Schema(dialect="sqlite", tables=tables), {"r": frame})
    assert len(out["r"]) == 400
    assert all(v is None or isinstance(v, int) for v in out["r"]["stars"])
    assert all(isinstance(v, int) for v in out["r"]["rating"])
    assert any("r.stars: 10 value(s)" in w for w in model.warnings)


def test_line_numbers_count_within_their_parent() -> None:
    tables = (Table("orders", (_col("id"), _col("total", LogicalType.FLOAT)), primary_key=PrimaryKey(("id",))),
              Table("lines", (_col("order_id"), Column(name="line_no", logical_type=LogicalType.DECIMAL,
                                                        type_sql="NUMERIC(2)", nullable=False, precision=2, scale=0),
                              _col("qty")),
                    primary_key=PrimaryKey(("order_id", "line_no")),
                    foreign_keys=(ForeignKey(("order_id",), "orders", ("id",)),),
                    checks=(CheckConstraint("line_no BETWEEN 1 AND 20"),)))
    frames = {"orders": pd.DataFrame({"id": range(1, 201), "total": np.arange(200) * 1.5}),
              "lines": pd.DataFrame({"order_id": [1 + i // 4 for i in range(800)],
                                     "line_no": [1 + i % 4 for i in range(800)], "qty": [i % 9 for i in range(800)]})}
    _, out = _seed(Schema(dialect="sqlite", tables=tables), frames)
    lines = out["lines"]
    assert len(lines) == 800 and not lines.duplicated(["order_id", "line_no"]).any()
    assert all(isinstance(v, int) and 1 <= v <= 20 for v in lines["line_no"])
    assert (lines.groupby("order_id")["line_no"].min() == 1).all()


def test_text_in_integer_columns_never_breaks_the_type() -> None:
    tables = (Table("a", (_col("id"), _col("code", nullable=True), _col("ref"), _col("d", LogicalType.DATE)),
                    primary_key=PrimaryKey(("id",))),)
    frame = pd.DataFrame({"id": range(1, 201), "code": [f"abc{i}" for i in range(200)],
                          "ref": [f"r{i}" for i in range(200)],
                          "d": [None if i % 17 == 0 else f"2020-01-{1 + i % 28:02d}" for i in range(200)]})
    model, out = _seed(Schema(dialect="sqlite", tables=tables), {"a": frame})
    got = out["a"]
    assert len(got) == 200
    assert got["code"].isna().all()  # nullable: NULL
    assert all(isinstance(v, int) for v in got["ref"])  # NOT NULL: numbers
    assert got["d"].notna().all()  # a NOT NULL date never gets NULL
    assert sum("holding text" in w for w in model.warnings) == 2


def test_dates_in_keys_are_dates() -> None:
    tables = (Table("station", (_col("id"), _col("name", TEXT)), primary_key=PrimaryKey(("id",))),
              Table("weather", (_col("station_id"), _col("day", LogicalType.DATE), _col("temp", LogicalType.FLOAT)),
                    primary_key=PrimaryKey(("station_id", "day")),
                    foreign_keys=(ForeignKey(("station_id",), "station", ("id",)),)),
              Table("ev", (_col("at", LogicalType.DATETIME), _col("a")), primary_key=PrimaryKey(("at",))))
    days = pd.date_range("2021-03-01", periods=50).strftime("%Y-%m-%d")
    frames = {"station": pd.DataFrame({"id": range(1, 13), "name": list("abcdefghijkl")}),
              "weather": pd.DataFrame({"station_id": [1 + i % 12 for i in range(600)],
                                       "day": [days[i // 12] for i in range(600)],
                                       "temp": [10.0 + i % 13 for i in range(600)]}),
              "ev": pd.DataFrame({"at": pd.date_range("2021-03-01 08:00", periods=100, freq="2h")
                                  .strftime("%Y-%m-%d %H:%M:%S"), "a": range(100)})}
    _, out = _seed(Schema(dialect="sqlite", tables=tables), frames)
    weather = out["weather"]
    assert len(weather) == 600 and not weather.duplicated(["station_id", "day"]).any()
    assert pd.to_datetime(weather["day"], format="%Y-%m-%d").notna().all()
    assert pd.to_datetime(out["ev"]["at"], format="%Y-%m-%d %H:%M:%S").diff().dropna().eq(pd.Timedelta("2h")).all()


def test_numbers_within_a_non_context_parent_across_batches() -> None:
    tables = (Table("p", (_col("id"), _col("code", TEXT)), primary_key=PrimaryKey(("id",))),
              Table("ch", (_col("pid", TEXT), Column(name="n", logical_type=LogicalType.DECIMAL, type_sql="NUMERIC(2)",
                                                      nullable=False, precision=2, scale=0)),
                    primary_key=PrimaryKey(("pid", "n")), foreign_keys=(ForeignKey(("pid",), "p", ("id",)),)))
    frames = {"p": pd.DataFrame({"id": range(1, 41), "code": [f"c{i}" for i in range(40)]}),
              # every child an orphan (' 1' is not 1): the FK is not a context, children spread evenly
              "ch": pd.DataFrame({"pid": [f" {1 + i % 40}" for i in range(400)], "n": [i // 40 for i in range(400)]})}
    schema = Schema(dialect="sqlite", tables=tables)
    profiles = profile_schema(schema=schema, frames=frames)
    model = get_engine("copula").fit(schema=schema, plan=build_plan(schema), frames=frames, profiles=profiles,
                                     options=FitOptions(seed=1))
    out = pd.concat([c.frame for c in model.sample(options=SampleOptions(seed=1, batch_rows=60)) if c.table == "ch"])
    assert len(out) == 400 and not out.duplicated(["pid", "n"]).any()
    assert all(isinstance(v, int) and 0 <= v < 100 for v in out["n"])
