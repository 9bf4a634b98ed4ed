"""Checks made before anything is read from the source or written to the target.

* the target is never the source (same SQLite file however the path is spelled,
  same PostgreSQL server and database however the host is spelled);
* the target answers (wrong password, silent server, missing folder) before
  minutes of fitting, within the same connect timeout as the source;
* `--mode fail` refuses a target that already holds rows before fitting.

Nothing here creates a file or writes a row.
"""
from __future__ import annotations

import getpass
import ipaddress
import os
import socket
from contextlib import closing
from pathlib import Path
from typing import Any

from connectors.base import dialect_of, mask_url
from dbsynth.errors import ConfigError, ConnectorError

_SAME_HINT = "dbsynth only reads the source: point the target at another database, e.g. a staging copy"


def _url(url: str) -> Any:
    from sqlalchemy.engine import make_url
    try:
        return make_url(url)
    except Exception as exc:  # ArgumentError / ValueError: the connectors say it better on open
        raise ConfigError(f"cannot parse the URL {mask_url(url)!r}: {mask_url(str(exc))}") from None


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory databases)."""
    path = _url(url).database or ""
    if path in ("", ":memory:") or path.startswith("file:"):
        return None
    return Path(path)


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def _addresses(host: str | None) -> frozenset[str]:
    """Every spelling of `host`: a Unix socket and any loopback address count as this machine."""
    if not host or host.startswith("/") or _loopback(host):
        return frozenset({"local"})
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except OSError:
        return frozenset({host.lower()})
    return frozenset("local" if _loopback(a) else a for a in found) | {host.lower()}


def _server(url: str) -> tuple[frozenset[str], int, str]:
    u = _url(url)
    query = dict(u.query)
    host = u.host or query.get("host") or os.environ.get("PGHOST")
    port = u.port or query.get("port") or os.environ.get("PGPORT") or 5432
    user = u.username or os.environ.get("PGUSER") or getpass.getuser()
    database = u.database or os.environ.get("PGDATABASE") or user
    return _addresses(str(host) if host else None), int(port), database


def same_database(a: str, b: str) -> bool:
    """True when the two URLs name one database (compared without connecting)."""
    if dialect_of(a) != dialect_of(b):
        return False
    if dialect_of(a) == "sqlite":
        pa, pb = sqlite_path(a), sqlite_path(b)
        if pa is None or pb is None:
            return False
        if pa.exists() and pb.exists():
            return os.path.samefile(pa, pb)  # symlinks, hard links, ./ and ../ spellings
        return os.path.realpath(pa) == os.path.realpath(pb)
    hosts_a, port_a, db_a = _server(a)
    hosts_b, port_b, db_b = _server(b)
    return port_a == port_b and db_a == db_b and bool(hosts_a & hosts_b)


def check_not_source(source: str, target: str) -> None:
    """Refuse a target that is the source, before anything is read or written."""
    if same_database(source, target):
        raise ConfigError(f"the target {mask_url(target)} is the source database", hint=_SAME_HINT)


def server_fingerprint(url: str) -> tuple[str, ...] | None:
    """PostgreSQL: (database, port, postmaster start) as the server itself reports them; also proves
    the URL connects (password, timeout). None for other dialects."""
    from connectors.base import open_connector
    if dialect_of(url) != "postgresql":
        return None
    with closing(open_connector(url, read_only=True)) as conn:
        with conn.engine.connect() as c:  # type: ignore[attr-defined]
            row = c.exec_driver_sql("SELECT current_database(), current_setting('port'), "
                                    "pg_postmaster_start_time()::text").one()
    return tuple(str(v) for v in row)


def check_target(target: str, *, source: str | None = None) -> None:
    """The target answers and is writable-looking; a PostgreSQL target is compared with the source server."""
    dialect = dialect_of(target)
    if dialect == "sqlite":
        path = sqlite_path(target)
        if path is None:
            return
        if not path.exists():
            if not path.parent.is_dir():
                raise ConnectorError(f"cannot create the SQLite target {str(path)!r}: the folder "
                                     f"{str(path.parent)!r} does not exist", hint="create the folder first")
            return
        from connectors.base import open_connector
        with closing(open_connector(target, read_only=True)):  # "not a SQLite database" named here
            return
    if dialect == "postgresql":
        theirs = server_fingerprint(target)
        if source is not None and dialect_of(source) == "postgresql" and theirs == server_fingerprint(source):
            raise ConfigError(f"the target {mask_url(target)} is the source database", hint=_SAME_HINT)
        return
    from connectors.base import open_connector
    with closing(open_connector(target, read_only=False)):
        return


def source_identity(url: str) -> dict[str, Any]:
    """What a model or sample folder remembers of its source, to refuse loading into it (no password)."""
    dialect = dialect_of(url)
    if dialect == "sqlite":
        path = sqlite_path(url)
        return {"dialect": dialect, "path": os.path.realpath(path) if path else None}
    u = _url(url)
    return {"dialect": dialect, "url": u.render_as_string(hide_password=True)}


def identity_url(identity: dict[str, Any] | None) -> str | None:
    """A URL standing for a remembered source (sqlite path or the password-less URL)."""
    if not identity:
        return None
    if identity.get("dialect") == "sqlite":
        return f"sqlite:///{identity['path']}" if identity.get("path") else None
    return identity.get("url")


def check_mode_fail(target: str, schema: Any) -> None:
    """`--mode fail`: refuse a target whose tables (those of `schema`) already hold rows, before fitting."""
    from dbsynth.load.loader import target_rows
    if dialect_of(target) == "sqlite":
        path = sqlite_path(target)
        if path is None or not path.exists():
            return
    for table, has_rows in target_rows(target, schema).items():
        if has_rows:
            from dbsynth.errors import LoadError
            raise LoadError(f"target table {table!r} already has rows (--mode fail)",
                            hint="use --mode replace or --mode append, or an empty target")
