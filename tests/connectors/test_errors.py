"""Error translation: one masked line, a hint, never the password or a driver exception."""
from __future__ import annotations

import socket

import pytest

from connectors.base import open_connector
from dbsynth.errors import ConfigError, ConnectorError, SchemaError
from tests.conftest import PASSWORD, PASSWORD_ROLE

WRONG = "Wr0ng-pa55word"


def _host_port(url: str) -> str:
    return url.split("@", 1)[1].rsplit("/", 1)[0]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


@pytest.mark.postgres
def test_wrong_password_is_masked(pg_admin_url: str) -> None:
    url = f"postgresql://{PASSWORD_ROLE}:{WRONG}@{_host_port(pg_admin_url)}/postgres"
    with pytest.raises(ConnectorError) as err:
        open_connector(url)
    message = str(err.value)
    assert WRONG not in message and PASSWORD not in message and "***" in message
    assert f"password authentication failed for user '{PASSWORD_ROLE}'" in message
    assert "\n" not in message and err.value.__cause__ is None


@pytest.mark.postgres
def test_right_password_connects(pg_admin_url: str) -> None:
    url = f"postgresql://{PASSWORD_ROLE}:{PASSWORD}@{_host_port(pg_admin_url)}/postgres"
    conn = open_connector(url)
    assert PASSWORD not in conn.display_url
    with pytest.raises(SchemaError, match="has no tables"):  # connected and read the (empty) catalog
        conn.reflect(row_counts=False)
    conn.close()


def test_unreachable_port() -> None:
    port = _closed_port()
    with pytest.raises(ConnectorError) as err:
        open_connector(f"postgresql://someone:{WRONG}@127.0.0.1:{port}/db")
    assert err.value.message == f"cannot connect to postgresql://someone:***@127.0.0.1:{port}/db: connection refused"
    assert err.value.hint == "check host/port and that the server is running"
    assert WRONG not in str(err.value)


def test_unknown_dialect_suggests_closest() -> None:
    with pytest.raises(ConfigError) as err:
        open_connector(f"postgress://u:{WRONG}@localhost/db")
    assert "did you mean 'postgresql'" in str(err.value) and WRONG not in str(err.value)


@pytest.mark.postgres
def test_nonexistent_database(pg_admin_url: str) -> None:
    url = pg_admin_url.rsplit("/", 1)[0] + "/no_such_db"
    with pytest.raises(ConnectorError, match="database 'no_such_db' does not exist") as err:
        open_connector(url)
    assert "createdb" in err.value.hint


@pytest.mark.postgres
def test_permission_denied(pg_databases) -> None:
    url = pg_databases.create("perm", sql="CREATE TABLE secret (id int); REVOKE ALL ON secret FROM PUBLIC")
    role_url = url.replace("postgres@", f"{PASSWORD_ROLE}:{PASSWORD}@", 1)
    conn = open_connector(role_url)
    secret = conn.reflect(row_counts=False).table("secret")
    with pytest.raises(ConnectorError, match="permission denied") as err:
        conn.row_count(secret)
    assert PASSWORD not in str(err.value) and "GRANT" in err.value.hint.upper()
    with pytest.raises(ConnectorError, match="permission denied"):
        next(conn.read_table(secret))
    conn.close()


def test_generic_connector_for_other_dialects(tmp_path) -> None:
    from connectors.generic import GenericConnector
    conn = GenericConnector(f"sqlite:///{tmp_path / 'g.db'}", read_only=False)
    with conn.engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE t (id INTEGER PRIMARY KEY, name VARCHAR(5) UNIQUE)")
        c.exec_driver_sql("INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")
    schema = conn.reflect()
    assert schema.dialect == "sqlite" and schema.table("t").row_count == 3
    assert [len(f) for f in conn.read_table(schema.table("t"), chunk_size=2)] == [2, 1]
    assert not conn.capabilities.copy and not conn.capabilities.deferrable_constraints
    conn.close()
