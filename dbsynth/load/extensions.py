"""PostgreSQL extensions a cloned schema's column types need (citext, hstore…).

A same-dialect clone keeps type names such as `citext`; a target database
without the extension refuses the CREATE TABLE. The extension is created in
the load transaction when the target allows it (PostgreSQL 13+ lets a
database owner create trusted extensions such as citext); otherwise the load
stops with one line saying which column needs it and the command to run.
"""
from __future__ import annotations

import re
from typing import TYPE_CHECKING

from dbsynth.errors import LoadError
from dbsynth.schema.model import Schema

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection

# column type name (no modifiers) -> the extension that defines it
TYPE_EXTENSIONS: dict[str, str] = {
    "citext": "citext", "hstore": "hstore", "ltree": "ltree", "lquery": "ltree", "cube": "cube",
    "isbn": "isn", "isbn13": "isn", "issn": "isn", "ean13": "isn", "upc": "isn", "seg": "seg",
}


def needed_extensions(schema: Schema) -> dict[str, str]:
    """extension -> the first `table.column` that needs it."""
    out: dict[str, str] = {}
    for table in schema.data_tables:
        for col in table.columns:
            name = re.sub(r"\(.*\)|\[\]", "", (col.domain_type_sql or col.type_sql or "").lower()).strip()
            ext = TYPE_EXTENSIONS.get(name.split(".")[-1].strip('"'))
            if ext:
                out.setdefault(ext, f"{table.name}.{col.name}")
    return out


def ensure_extensions(conn: "Connection", schema: Schema) -> list[str]:
    """Create each missing extension; returns those created. LoadError when one cannot be."""
    import sqlalchemy as sa

    created = []
    for ext, where in sorted(needed_extensions(schema).items()):
        present = conn.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = %(e)s", {"e": ext}).first()
        if present:
            continue
        try:
            with conn.begin_nested():
                conn.exec_driver_sql(f'CREATE EXTENSION IF NOT EXISTS "{ext}"')
        except sa.exc.DBAPIError as exc:
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()[0]
            raise LoadError(f"the target lacks the {ext!r} extension that {where} needs, and it cannot be "
                            f"created here: {reason}",
                            hint=f"ask a superuser to run CREATE EXTENSION {ext}; in the target database") from None
        created.append(ext)
    return created
