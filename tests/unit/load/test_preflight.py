"""Preflight: the target is compared with the source without connecting (every spelling of one database)."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

from dbsynth.errors import ConfigError
from dbsynth.load.preflight import check_not_source, same_database, source_identity, identity_url


def test_sqlite_spellings_of_one_file(tmp_path: Path) -> None:
    db = tmp_path / "a.db"
    db.write_bytes(b"")
    (tmp_path / "d").mkdir()
    link = tmp_path / "link.db"
    link.symlink_to(db)
    hard = tmp_path / "hard.db"
    os.link(db, hard)
    for other in (db, link, hard, tmp_path / "d" / ".." / "a.db"):
        assert same_database(f"sqlite:///{db}", f"sqlite:///{other}")
    assert not same_database(f"sqlite:///{db}", f"sqlite:///{tmp_path / 'b.db'}")
    assert not same_database("sqlite://", "sqlite://")  # in-memory databases are never shared
    with pytest.raises(ConfigError, match="is the source database"):
        check_not_source(f"sqlite:///{db}", f"sqlite:///{link}")


@pytest.mark.parametrize("a, b, same", [
    ("postgresql://u@localhost:5432/app", "postgresql://v:pw@127.0.0.1/app", True),
    ("postgresql://u@localhost/app", "postgres://u@[::1]:5432/app", True),
    ("postgresql://u@localhost/app", "postgresql+psycopg://u@/app?host=/var/run/postgresql", True),
    ("postgresql://u@localhost/app", "postgresql://u@localhost/app_staging", False),
    ("postgresql://u@localhost:5432/app", "postgresql://u@localhost:5433/app", False),
    ("postgresql://u@localhost/app", "sqlite:///app", False),
])
def test_postgres_spellings(a: str, b: str, same: bool) -> None:
    assert same_database(a, b) is same


def test_identity_remembers_no_password() -> None:
    ident = source_identity("postgresql://u:secret@localhost:5432/app")
    assert "secret" not in str(ident)
    assert same_database(identity_url(ident) or "", "postgresql://other@127.0.0.1/app")
