"""Which composite-PK columns are values (modelled) and which stay generated keys."""
from __future__ import annotations

import pandas as pd

from dbsynth.profile import SemanticType, profile_table
from dbsynth.profile.detect import key_value_columns
from dbsynth.schema.model import Column, ForeignKey, LogicalType, PrimaryKey, Table


def _table(pk: tuple[str, ...], fks: tuple[ForeignKey, ...] = ()) -> Table:
    cols = (Column(name="a", logical_type=LogicalType.TEXT, type_sql="TEXT"),
            Column(name="b", logical_type=LogicalType.INTEGER, type_sql="INTEGER"),
            Column(name="c", logical_type=LogicalType.TEXT, type_sql="TEXT"))
    return Table("t", cols, primary_key=PrimaryKey(pk), foreign_keys=fks)


def test_repeating_columns_of_an_fk_free_key_are_values() -> None:
    frame = pd.DataFrame({"a": list("ABCDEFGH") * 3, "b": [8 + i % 7 for i in range(24)], "c": ["x"] * 24})
    table = _table(("a", "b"))
    assert key_value_columns(table, frame) == {"a", "b"}
    prof = profile_table(table=table, frame=frame)
    assert prof.column("b").semantic != SemanticType.KEY


def test_a_varied_column_stays_a_key() -> None:
    # translations: (key, lang) where key has thousands of values
    keys = [f"msg.{i}" for i in range(2000)]
    frame = pd.DataFrame({"a": keys * 3, "b": [0] * 2000 + [1] * 2000 + [2] * 2000, "c": ["t"] * 6000})
    assert key_value_columns(_table(("a", "b")), frame) == {"b"}


def test_little_room_keeps_the_most_varied_column_a_key() -> None:
    frame = pd.DataFrame({"a": list("ABCDE") * 4, "b": [i // 5 for i in range(20)], "c": ["x"] * 20})
    assert key_value_columns(_table(("a", "b")), frame) == {"b"}  # 5 x 4 = 20 combinations for 20 rows


def test_keys_with_an_fk_keep_their_generators() -> None:
    frame = pd.DataFrame({"a": list("AB") * 10, "b": list(range(20)), "c": list("xy") * 10})
    fk = ForeignKey(("a",), "p", ("id",))
    assert key_value_columns(_table(("a", "c"), (fk,)), frame) == frozenset()


def test_little_room_keeps_a_column_no_check_names_a_key() -> None:
    # (day, hr) grid with CHECK (hr >= 0 AND hr < 6): hr counting up 1..n would break the CHECK, day may
    from dbsynth.schema.model import CheckConstraint
    cols = (Column(name="day", logical_type=LogicalType.INTEGER, type_sql="INTEGER"),
            Column(name="hr", logical_type=LogicalType.INTEGER, type_sql="INTEGER"))
    table = Table("t", cols, primary_key=PrimaryKey(("day", "hr")), checks=(CheckConstraint("hr >= 0 AND hr < 6"),))
    frame = pd.DataFrame({"day": [i // 6 + 1 for i in range(28)], "hr": [i % 6 for i in range(28)]})
    assert key_value_columns(table, frame) == {"hr"}
    plain = Table("t", cols, primary_key=PrimaryKey(("day", "hr")))
    assert key_value_columns(plain, frame) == {"day"}  # without the CHECK the most varied (hr) stays the key
