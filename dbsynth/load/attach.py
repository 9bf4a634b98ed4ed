"""`seed --mode append --only T[,T…] [--rows T=N]`: new rows for some tables, attached to the target's rows.

The request is checked before anything is read (`Attach.check_request`), its
table names against the source schema as soon as it is reflected
(`Attach.check_schema`), and the target rows the drawn tables refer to are read
after the fit (`Attach.read_given`): the sampler draws only the named tables,
under those rows (dbsynth/sample/given.py). Keys and unique values that the
target already holds are avoided by the append path, as in any append.
"""
from __future__ import annotations

import difflib
from contextlib import closing
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Iterable

from dbsynth.errors import ConfigError, LoadError

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.config import Config
    from dbsynth.sample.given import GivenRows
    from dbsynth.schema.model import Schema, Table


@dataclass(frozen=True)
class Attach:
    only: tuple[str, ...] = ()  # tables to draw; () draws every table
    rows: dict[str, int] = field(default_factory=dict)  # --rows TABLE=N

    @classmethod
    def parse(cls, only: "str | Iterable[str] | None", rows: Iterable[str] | None, *, mode: str) -> "Attach":
        """The request from the CLI's --only (comma-separated, repeatable) and --rows TABLE=N values."""
        items = [only] if isinstance(only, str) else list(only or [])
        names = tuple(dict.fromkeys(n.strip() for item in items for n in item.split(",") if n.strip()))
        if items and not names:
            raise ConfigError("--only names no table", hint="e.g. --only Invoice,InvoiceLine")
        request = cls(only=names, rows=dict(_row_count(r) for r in rows or []))
        request.check_request(mode)
        return request

    def check_request(self, mode: str) -> None:
        if self.only and mode != "append":
            raise ConfigError(f"--only needs --mode append (got --mode {mode}): the new rows attach to rows "
                              "already in the target", hint="seed the target once without --only first")
        stray = [t for t in self.rows if self.only and t not in self.only]
        if stray:
            raise ConfigError(f"--rows {stray[0]}={self.rows[stray[0]]}: {stray[0]} is not among the --only "
                              f"tables ({', '.join(self.only)}), so no rows of it are drawn",
                              hint=f"add it to --only, or drop --rows {stray[0]}=…")

    def with_rows(self, config: "Config") -> "Config":
        """`config` with --rows as its tables' `rows` (the CLI wins over the config file)."""
        from dataclasses import replace

        from dbsynth.config import TableConfig
        if not self.rows:
            return config
        tables = dict(config.tables)
        for name, n in self.rows.items():
            tables[name] = replace(tables.get(name) or TableConfig(), rows=n)
        return replace(config, tables=tables)

    def checks(self, target_url: str, *, then: "Callable[[Schema], None] | None" = None,
               ) -> "Callable[[Schema], None] | None":
        """What to check once the source schema is reflected (before any row is read), `then` the caller's own."""
        if not self.only and not self.rows:
            return then

        def check(schema: "Schema") -> None:
            self.check_schema(schema)
            if self.only:
                self.check_target(target_url, schema)
            if then is not None:
                then(schema)
        return check

    def check_schema(self, schema: "Schema") -> None:
        """Every named table is a table of the source."""
        names = [t.name for t in schema.data_tables]
        for flag, table in [("--only", t) for t in self.only] + [("--rows", t) for t in self.rows]:
            if table not in names:
                close = difflib.get_close_matches(table, names, n=1)
                raise ConfigError(f"{flag} names table {table!r}, which the source does not have",
                                  hint=f"did you mean {close[0]!r}?" if close
                                  else "run `dbsynth inspect SOURCE` for the table names")

    def referenced(self, schema: "Schema") -> list[str]:
        """Tables the --only tables refer to and do not draw: their rows are read from the target."""
        out: list[str] = []
        for name in self.only:
            for fk in schema.table(name).foreign_keys:
                if fk.referred_table not in self.only and fk.referred_table not in out:
                    out.append(fk.referred_table)
        return out

    def check_target(self, target_url: str, schema: "Schema") -> None:
        """Before fitting: the target has every table the --only tables refer to, with the source's columns."""
        from connectors.base import open_connector
        _check_exists(target_url)
        with closing(open_connector(target_url, read_only=True)) as conn:
            there = conn.reflect(row_counts=False)
        for name in self.referenced(schema):
            _target_table(there, schema.table(name))

    def read_given(self, target_url: str, model: Any) -> "GivenRows":
        """The target's rows of every table the fitted `model`'s --only tables refer to, in the source's
        column order."""
        from connectors.base import open_connector
        from dbsynth.sample.given import GivenRows
        schema: "Schema" = model.schema
        frames: dict[str, "pd.DataFrame"] = {}
        with closing(open_connector(target_url, read_only=True)) as conn:
            there = conn.reflect(row_counts=False)
            for name in self.referenced(schema):
                frames[name] = _read(conn, _target_table(there, schema.table(name)), schema.table(name))
        for name in self.only:
            context = getattr(model.tables.get(name), "context", None)
            _check_parents(schema.table(name), frames, self.only, getattr(context, "columns", None))
        return GivenRows(frames, self.only)


def _row_count(item: str) -> tuple[str, int]:
    table, sep, count = item.partition("=")
    if not sep or not table.strip() or not count.strip().isdigit():
        raise ConfigError(f"--rows {item!r} is not TABLE=N", hint="e.g. --rows Invoice=1000")
    return table.strip(), int(count)


def _check_exists(target_url: str) -> None:
    from dbsynth.load.preflight import dialect_of, sqlite_path
    if dialect_of(target_url) == "sqlite":
        path = sqlite_path(target_url)
        if path is not None and not path.exists():
            raise LoadError(f"--only: the target {str(path)!r} does not exist, so it has no rows to attach to",
                            hint="seed it once without --only first")


def _target_table(there: "Schema", table: "Table") -> "Table":
    """The target's table of the source's `table`, with every column of it."""
    if not there.has_table(table.name):
        raise LoadError(f"--only: the target has no table {table.name!r}, which the new rows refer to",
                        hint="seed the target once without --only first")
    mine = there.table(table.name)
    missing = [c for c in table.column_names if c not in mine.column_names]
    if missing:
        raise LoadError(f"--only: target table {table.name!r} lacks column(s) {', '.join(missing)} of the source",
                        hint="bring the target's schema up to date first")
    return mine


def _read(conn: object, mine: "Table", table: "Table") -> "pd.DataFrame":
    """One referenced table of the target (`mine`), whole: its rows are the parents of the new ones."""
    import pandas as pd
    parts = list(conn.read_table(mine))  # type: ignore[attr-defined]
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(mine.column_names))
    return frame[list(table.column_names)].reset_index(drop=True)


def _check_parents(table: "Table", frames: "dict[str, pd.DataFrame]", only: tuple[str, ...],
                   context: "list[str] | None") -> None:
    """A NOT NULL FK into an empty target table would leave the new rows nothing to point at, and an
    empty context parent (the rows are drawn per its row) would leave the table without rows."""
    for fk in table.foreign_keys:
        parent = fk.referred_table
        if parent in only or len(frames.get(parent, ())):
            continue
        if any(not table.column(c).nullable for c in fk.columns):
            why = f"{table.name}.{', '.join(fk.columns)} must refer to one"
        elif list(fk.columns) == list(context or []):
            why = f"new {table.name} rows are drawn per {parent} row (its context FK)"
        else:
            continue
        raise LoadError(f"--only: target table {parent!r} has no rows, and {why}",
                        hint=f"seed {parent} first (or add it to --only)")
