"""Connector protocol, capabilities and the registry of connectors by dialect.

A connector module imports no driver at import time (cheap descriptor, heavy
client): drivers are imported when a connection is opened.
"""
from __future__ import annotations

import difflib
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterator, Protocol, runtime_checkable

from dbsynth.errors import ConfigError, ConnectorError

if TYPE_CHECKING:
    import pandas as pd

    from dbsynth.schema.model import Schema, Table


@dataclass(frozen=True)
class Capabilities:
    """What a database can do; the loader reads flags, not dialect names."""

    copy: bool = False  # bulk COPY FROM STDIN
    transactional_ddl: bool = False  # CREATE/DROP inside a rolled-back transaction
    deferrable_constraints: bool = False  # SET CONSTRAINTS ... DEFERRED
    defer_foreign_keys_pragma: bool = False  # SQLite PRAGMA defer_foreign_keys
    alter_constraints: bool = False  # ALTER TABLE ADD/DROP CONSTRAINT for FKs
    returning: bool = False
    sequences: bool = False  # setval() after load
    disable_triggers: bool = False  # ALTER TABLE ... DISABLE TRIGGER USER
    server_side_cursor: bool = False
    schemas: bool = False  # namespaces such as PostgreSQL's "public"
    foreign_key_checks_off: bool = False  # MySQL: SET FOREIGN_KEY_CHECKS=0 for the load, FKs verified by query
    max_identifier_length: int = 63
    max_bind_params: int = 32766
    # the connector's writer ("module:Class", imported when a load starts, so no driver loads before)
    writer: str = "connectors.generic_writer:GenericWriter"
    # "module:function" opening the load's engine for a URL (None: a plain SQLAlchemy engine)
    target_engine: str | None = None


@runtime_checkable
class Connector(Protocol):
    """One open database. Source connectors are read-only."""

    dialect: ClassVar[str]
    capabilities: ClassVar[Capabilities]
    url: str  # as given; never print it, use `display_url`
    read_only: bool

    @property
    def display_url(self) -> str: ...

    def reflect(self, *, schema: str | None = None, row_counts: bool = True) -> "Schema": ...

    def row_count(self, table: "Table") -> int: ...

    def read_table(self, table: "Table", *, chunk_size: int = 50_000, columns: tuple[str, ...] | None = None,
                   where_in: tuple[str, list[Any]] | None = None) -> Iterator["pd.DataFrame"]: ...

    def close(self) -> None: ...


_PASSWORD_IN_URL = re.compile(r"(?P<head>[a-zA-Z][\w+.-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<at>@)")
_PASSWORD_KV = re.compile(r"(?i)(password\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s&;]+)")


def mask_url(text: str) -> str:
    """Replace every password in URLs or key=value DSNs inside `text` with ***."""
    text = _PASSWORD_IN_URL.sub(lambda mt: f"{mt['head']}***{mt['at']}", text)
    return _PASSWORD_KV.sub(lambda mt: f"{mt.group(1)}***", text)


def dialect_of(url: str) -> str:
    """The dialect name of a SQLAlchemy-style URL (`postgresql+psycopg://` → `postgresql`)."""
    match = re.match(r"^([a-zA-Z][\w.-]*)(\+[\w.-]+)?://", url)
    if not match:
        raise ConfigError(f"not a database URL: {mask_url(url)!r}",
                          hint="use e.g. sqlite:///path/to/file.db or postgresql://user@host/dbname")
    name = match.group(1).lower()
    _check_port(url)
    return {"postgres": "postgresql", "sqlite3": "sqlite", "mariadb": "mysql"}.get(name, name)


_NETLOC = re.compile(r"^[^:/]+://(?P<netloc>[^/?#]*)")


def _check_port(url: str) -> None:
    """A port that is not 1-65535 is named here, before any driver sees it."""
    netloc = _NETLOC.match(url)
    host = (netloc["netloc"] if netloc else "").rsplit("@", 1)[-1]
    for part in host.split(","):  # libpq accepts several hosts
        port = part.rsplit("]", 1)[-1].rpartition(":")[2] if ":" in part.rsplit("]", 1)[-1] else ""
        if port and (not port.isdigit() or not 0 < int(port) < 65536):
            raise ConfigError(f"bad port {port!r} in URL {mask_url(url)!r}",
                              hint="a port is a number from 1 to 65535, e.g. postgresql://user@host:5432/db")


# dialect -> what to install when SQLAlchemy has the dialect but the driver is missing
_DRIVERS = {
    "postgresql": "pip install 'psycopg[binary]'",
    "mysql": 'pip install "dbsynth[mysql]" (PyMySQL)',
    "mssql": "pip install pyodbc (and the ODBC driver), or use mssql+pymssql:// with pip install pymssql",
    "oracle": "pip install oracledb and use oracle+oracledb://",
    "duckdb": "pip install duckdb-engine",
    "snowflake": "pip install snowflake-sqlalchemy",
    "cockroachdb": "pip install sqlalchemy-cockroachdb 'psycopg[binary]'",
}


def missing_driver(url: str, exc: BaseException) -> ConnectorError:
    """The one line for a database driver that is not installed, naming what to pip install."""
    dialect = dialect_of(url)
    found = re.search(r"'([^']+)'", str(exc))
    module = getattr(exc, "name", None) or (found.group(1) if found else "?")
    hint = _DRIVERS.get(dialect, f"install the Python driver for {dialect} (the module {module!r})")
    return ConnectorError(f"the {dialect} driver is not installed (no module {module!r}) for {mask_url(url)}",
                          hint=hint)


_SSL_REQUEST = (8).to_bytes(4, "big") + (80877103).to_bytes(4, "big")  # PostgreSQL's first packet
_PROBED: set[tuple[str, int]] = set()


def probe_postgres(url: str) -> None:
    """Fail within the connect timeout when a PostgreSQL server accepts TCP but never answers.

    libpq may try twice (with and without SSL), each time waiting the whole
    timeout; this probe sends the 8-byte SSL request itself and waits once.
    Refused connections and unknown hosts are left to the driver's message.
    """
    import socket
    from contextlib import closing

    from sqlalchemy.engine import make_url
    try:
        u = make_url(url)
    except Exception:  # the driver names a malformed URL itself
        return
    host = u.host or dict(u.query).get("host") or os.environ.get("PGHOST")
    if not host or str(host).startswith("/") or "," in str(host):
        return  # a Unix socket or several hosts: the driver handles them
    port = int(u.port or dict(u.query).get("port") or os.environ.get("PGPORT") or 5432)
    if (str(host), port) in _PROBED:  # once per server and process: an SSL server logs the short visit
        return
    timeout = connect_timeout()
    try:
        sock = socket.create_connection((str(host), port), timeout=timeout)
    except socket.timeout:
        raise ConnectorError(f"cannot connect to {mask_url(url)}: connection timed out after {timeout}s",
                             hint="check host/port, firewalls, and that the server is running") from None
    except OSError:
        return
    with closing(sock):
        try:
            sock.sendall(_SSL_REQUEST)
            sock.recv(1)
            _PROBED.add((str(host), port))
        except socket.timeout:
            raise ConnectorError(f"cannot connect to {mask_url(url)}: the server accepted the connection but did "
                                 f"not answer within {timeout}s (connection timed out)",
                                 hint="check that host:port is a PostgreSQL server and that it is not overloaded; "
                                      "DBSYNTH_CONNECT_TIMEOUT sets the wait") from None
        except OSError:
            return


def connect_timeout() -> int:
    """Seconds to wait for a database to answer a connection, for sources and targets alike."""
    raw = os.environ.get("DBSYNTH_CONNECT_TIMEOUT", "10")
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"environment variable DBSYNTH_CONNECT_TIMEOUT={raw!r} is not a whole number of seconds")
    if value <= 0:
        raise ConfigError(f"DBSYNTH_CONNECT_TIMEOUT must be a positive number of seconds, got {value}")
    return value


ConnectorFactory = Callable[..., Connector]
_REGISTRY: dict[str, ConnectorFactory] = {}
_KNOWN_SQLALCHEMY = ("mysql", "mariadb", "mssql", "oracle", "duckdb", "snowflake", "cockroachdb")


def register(dialect: str) -> Callable[[ConnectorFactory], ConnectorFactory]:
    def deco(factory: ConnectorFactory) -> ConnectorFactory:
        _REGISTRY[dialect] = factory
        return factory
    return deco


# Importing a module registers its connector (it imports no driver itself). By name, so this
# registry never imports a concrete connector while they all import it; other packages add
# theirs under the `dbsynth.connectors` entry-point group (value: the module to import).
_BUILTIN = ("connectors.generic", "connectors.mysql", "connectors.postgresql", "connectors.sqlite")
ENTRY_POINT_GROUP = "dbsynth.connectors"


def _ensure_builtin() -> None:
    from importlib import import_module, metadata

    for module in _BUILTIN:
        import_module(module)
    for point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        if point.name not in _REGISTRY:
            import_module(point.value)


def writer_class(caps: Capabilities) -> Any:
    """The writer class a connector declares in its capabilities (imported now)."""
    return _named(caps.writer)


def target_engine_hook(caps: Capabilities) -> Callable[[str], Any] | None:
    """The function a connector declares to open a load's engine, or None (a plain engine)."""
    return None if caps.target_engine is None else _named(caps.target_engine)


def _named(path: str) -> Any:
    from importlib import import_module

    module, _, name = path.partition(":")
    return getattr(import_module(module), name)


def open_connector(url: str, *, read_only: bool = True) -> Connector:
    """Open `url` with the connector registered for its dialect (generic otherwise)."""
    _ensure_builtin()
    dialect = dialect_of(url)
    if dialect == "postgresql":
        probe_postgres(url)  # a silent server fails within the timeout, once
    try:
        if dialect in _REGISTRY:
            return _REGISTRY[dialect](url, read_only=read_only)
        if not _sqlalchemy_knows(dialect):
            raise _unknown_dialect(url, dialect)
        return _REGISTRY["generic"](url, read_only=read_only)
    except ImportError as exc:  # SQLAlchemy knows the dialect; its DBAPI module is not installed
        raise missing_driver(url, exc) from None
    except ValueError as exc:  # SQLAlchemy's URL parser (e.g. several hosts)
        raise ConfigError(f"cannot parse the URL {mask_url(url)!r}: {mask_url(str(exc))}",
                          hint="use e.g. postgresql://user@host:5432/dbname") from None


def _unknown_dialect(url: str, dialect: str) -> ConfigError | ConnectorError:
    if dialect in _DRIVERS:
        return ConnectorError(f"the {dialect} dialect is not installed for {mask_url(url)}", hint=_DRIVERS[dialect])
    known = sorted(set(_REGISTRY) | set(_KNOWN_SQLALCHEMY))
    close = difflib.get_close_matches(dialect, known, n=1)
    hint = f"did you mean {close[0]!r}?" if close else f"supported: {', '.join(known)}"
    return ConfigError(f"unknown database dialect {dialect!r} in URL {mask_url(url)!r}", hint=hint)


def capabilities_for(url: str) -> Capabilities:
    """What the connector registered for `url`'s dialect can do (generic when unregistered)."""
    _ensure_builtin()
    factory = _REGISTRY.get(dialect_of(url), _REGISTRY["generic"])
    return getattr(factory, "capabilities", Capabilities())


def _sqlalchemy_knows(dialect: str) -> bool:
    from sqlalchemy.dialects import registry
    try:
        registry.load(dialect)
    except Exception:  # NoSuchModuleError or a missing driver package
        return False
    return True
