"""EXCLUDE constraints over a fully packed grid keep every planned row (no silent loss)."""
from __future__ import annotations

from tests.conftest import PgDatabases
from tests.e2e.test_repros_pg import counts, dbsynth, ok, rows, seeded  # seeded skips when the repros are absent


def test_exclude_equal_grid_is_filled_exactly(pg_databases: PgDatabases) -> None:
    """10 rooms x 30 days, each pair once: all 300 rows come back, one per pair."""
    src, dst, out = seeded(pg_databases, "03_exclude_constraint")
    ok(out)
    assert counts(dst)["public.slot"] == counts(src)["public.slot"] == 300
    assert rows(dst, "SELECT count(DISTINCT (room, day)) FROM slot") == [(300,)]


def test_exclude_overlapping_ranges_are_laid_out_apart(pg_databases: PgDatabases) -> None:
    src, dst, out = seeded(pg_databases, "04_exclude_tstzrange")
    ok(out)
    assert counts(dst)["public.booking"] == counts(src)["public.booking"] == 300
    assert rows(dst, "SELECT count(*) FROM booking a JOIN booking b ON a.room = b.room AND a.id < b.id "
                     "AND a.during && b.during") == [(0,)]
    assert rows(dst, "SELECT count(*) FROM booking WHERE isempty(during) OR upper(during) - lower(during) "
                     "<> interval '2 hours'") == [(0,)]


ENUM_GRID = """
create type shift_kind as enum ('early', 'late', 'night');
create table duty (id serial primary key, room int not null, shift shift_kind not null, unique (room, shift));
insert into duty (room, shift) select g % 10, (array['early', 'late'])[g / 10 + 1]::shift_kind
  from generate_series(0, 19) g;
"""


def test_full_grid_opens_unseen_enum_labels(pg_databases: PgDatabases) -> None:
    """20 (room, shift) pairs seen, 30 rows asked: the third label the type allows takes the rest."""
    src, dst = pg_databases.create("src", sql=ENUM_GRID), pg_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--scale", "1.5", "--seed", "2"))
    assert rows(dst, "SELECT count(*), count(DISTINCT (room, shift)) FROM duty") == [(30, 30)]
