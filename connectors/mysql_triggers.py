"""Existing MySQL / MariaDB triggers set aside during a load, then put back.

MySQL has no way to switch a trigger off (PostgreSQL disables user triggers,
SQLite drops and re-creates them inside the load's transaction). So that the
target's own triggers do not fire on synthetic rows (Sakila's `ins_film`
would insert a second `film_text` row for every loaded film and collide with
the loaded ones), each trigger of a loaded table is read back with
`SHOW CREATE TRIGGER` (its statement, definer and sql_mode), dropped before the
first row goes in, and re-created, in its original order, after the load's
COMMIT or ROLLBACK (MySQL DDL commits implicitly, so never inside the load).

Their definitions are first written to a file in the temp folder; if putting
one back fails, the error names that file, so nothing is lost even then.
"""
from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbsynth.errors import LoadError

AFTER_LOAD = "dbsynth_after_load"  # conn.info key: callables run after the load's COMMIT / ROLLBACK


@dataclass(frozen=True)
class SavedTrigger:
    table: str
    name: str
    sql_mode: str
    statement: str  # SHOW CREATE TRIGGER's "SQL Original Statement" (with DEFINER)


def _q(name: str) -> str:
    return "`" + name.replace("`", "``") + "`"


def _rows(raw: Any, sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    with raw.cursor() as cur:
        cur.execute(sql, params)
        return list(cur.fetchall()) if cur.description else []


def target_triggers(raw: Any, tables: list[str]) -> list[tuple[str, str]]:
    """(table, trigger) of `tables` in the current database, in firing order."""
    if not tables:
        return []
    marks = ", ".join(["%s"] * len(tables))
    return [(t, n) for t, n in _rows(raw, "SELECT EVENT_OBJECT_TABLE, TRIGGER_NAME FROM information_schema.TRIGGERS "
                                          f"WHERE TRIGGER_SCHEMA = DATABASE() AND EVENT_OBJECT_TABLE IN ({marks}) "
                                          "ORDER BY EVENT_OBJECT_TABLE, ACTION_TIMING, EVENT_MANIPULATION, "
                                          "ACTION_ORDER", tables)]


def set_aside(conn: Any, found: list[tuple[str, str]]) -> list[SavedTrigger]:
    """Save and drop `found`; registers their re-creation in conn.info[AFTER_LOAD]."""
    raw = conn.connection.driver_connection
    saved = []
    for table, name in found:
        row = _rows(raw, f"SHOW CREATE TRIGGER {_q(name)}")[0]
        saved.append(SavedTrigger(table=table, name=name, sql_mode=str(row[1]), statement=str(row[2])))
    database = _rows(raw, "SELECT DATABASE()")[0][0]
    backup = _write_backup(database, saved)
    for trig in saved:
        _rows(raw, f"DROP TRIGGER {_q(trig.name)}")
    conn.info.setdefault(AFTER_LOAD, []).append(lambda: restore(raw, saved, backup))
    return saved


def _write_backup(database: str, saved: list[SavedTrigger]) -> Path:
    fd, path = tempfile.mkstemp(prefix=f"dbsynth-triggers-{database}-", suffix=".sql")
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"-- triggers of database `{database}` set aside by a dbsynth load; run with the mysql client\n")
        fh.write("DELIMITER ;;\n")
        for trig in saved:
            fh.write(f"SET SESSION sql_mode = '{trig.sql_mode}';;\n{trig.statement};;\n")
        fh.write("DELIMITER ;\n")
    return Path(path)


def restore(raw: Any, saved: list[SavedTrigger], backup: Path) -> None:
    """Re-create the saved triggers (original sql_mode, definer and order); removes the backup."""
    missing: list[str] = []
    first_error = ""
    mode = _rows(raw, "SELECT @@SESSION.sql_mode")[0][0]
    try:
        for trig in saved:
            try:
                _rows(raw, "SET SESSION sql_mode = %s", (trig.sql_mode,))
                _rows(raw, trig.statement)
            except Exception as exc:  # keep going: put back every trigger that can be
                missing.append(f"{trig.table}.{trig.name}")
                first_error = first_error or str(exc).splitlines()[0]
    finally:
        _rows(raw, "SET SESSION sql_mode = %s", (mode,))
    if missing:
        raise LoadError(f"{len(missing)} target trigger(s) set aside during the load could not be re-created "
                        f"({', '.join(missing)}: {first_error})",
                        hint=f"their definitions are in {backup}; run it with the mysql client")
    backup.unlink(missing_ok=True)


def after_load(conn: Any) -> None:
    """Run what the load registered for after its COMMIT / ROLLBACK (once)."""
    for fn in conn.info.pop(AFTER_LOAD, []):
        fn()
