"""Suite-wide fixtures: a throwaway PostgreSQL 15 cluster and the shared datasets.

PostgreSQL refuses to run as root, so when the suite runs as root the cluster
is initialised and started as the `postgres` user (runuser). Set
DBSYNTH_TEST_POSTGRES_URL to use an existing server instead (a superuser URL
to its maintenance database).
"""
from __future__ import annotations

import os
import subprocess
import uuid
from pathlib import Path
from typing import Callable, Iterator

import pytest

from dbsynth.errors import ConfigError
from dbsynth.testing import pg_bin, start_cluster

ROOT = Path(__file__).resolve().parent.parent
# ../shared (DBSYNTH_SHARED=/nonexistent hides it, to check what a fresh clone skips)
SHARED = Path(os.environ.get("DBSYNTH_SHARED", ROOT.parent / "shared"))
DATASETS = Path(os.environ.get("DBSYNTH_DATASETS", SHARED / "datasets"))
EXAMPLES = ROOT / "examples"  # Chinook as is; Sakila and Northwind xz-compressed
REPROS = ROOT / "tests" / "fixtures" / "repros"  # a copy of ../shared/repros: small hand-written schemas
PASSWORD_ROLE = "dbsynth_pw"
PASSWORD = "s3cret-pa55"


def dataset_path(name: str, file: str) -> Path:
    """A sample database file (chinook, northwind, sakila): the bundled copy in examples/.

    Falls back to ../shared/datasets for a file not bundled; skips only then.
    """
    return _bundled(name, file) or shared_dataset_path(name, file)


def shared_dataset_path(name: str, file: str) -> Path:
    """A file of ../shared/datasets only (the three-dataset quality bar, benchmarks); skips when absent."""
    path = DATASETS / name / file
    if not path.exists():
        pytest.skip(f"shared dataset {name}/{file} not available")
    return path


def _bundled(name: str, file: str) -> Path | None:
    plain = EXAMPLES / name / file
    if plain.exists():
        return plain
    packed = plain.with_name(file + ".xz")
    if not packed.exists():
        return None
    import hashlib
    import lzma
    import tempfile
    digest = hashlib.sha256(packed.read_bytes()).hexdigest()[:16]
    out = Path(tempfile.gettempdir()) / f"dbsynth-examples-{digest}" / name / file
    if not out.exists():  # unpacked once per content; written aside and renamed, so parallel runs agree
        out.parent.mkdir(parents=True, exist_ok=True)
        part = out.with_name(f"{file}.{os.getpid()}.part")
        part.write_bytes(lzma.decompress(packed.read_bytes()))
        os.replace(part, out)
    return out


def _pg_bin(name: str) -> str:
    try:
        return pg_bin(name)
    except ConfigError as exc:
        pytest.fail(f"{exc} (see .ci/run)")
        raise AssertionError from exc  # unreachable


def _start_cluster() -> tuple[str, Callable[[], None]]:
    # A password-protected role lets tests check credential masking on failure.
    return start_cluster(hba_rules=f"host all {PASSWORD_ROLE} 127.0.0.1/32 scram-sha-256",
                         options="-c max_connections=60")


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """Superuser URL of the maintenance database of the test server."""
    url = os.environ.get("DBSYNTH_TEST_POSTGRES_URL")
    stop: Callable[[], None] = lambda: None
    if not url:
        url, stop = _start_cluster()
    _psql(url, f"DO $$BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname='{PASSWORD_ROLE}') "
               f"THEN CREATE ROLE {PASSWORD_ROLE} LOGIN PASSWORD '{PASSWORD}'; END IF; END$$;")
    yield url
    stop()


def _with_db(url: str, dbname: str) -> str:
    return url.rsplit("/", 1)[0] + "/" + dbname


def _psql(url: str, sql: str | None = None, *, file: Path | None = None) -> None:
    cmd = [_pg_bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url]
    cmd += ["-f", str(file)] if file else ["-c", sql or ""]
    subprocess.run(cmd, check=True, capture_output=True)


class PgDatabases:
    """Creates databases on the test server; drops them at teardown."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    def create(self, prefix: str = "test", *, sql_file: Path | None = None, sql: str | None = None) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        _psql(self.admin_url, f'CREATE DATABASE "{name}"')
        self.created.append(name)
        url = _with_db(self.admin_url, name)
        if sql_file:
            _psql(url, file=sql_file)
        if sql:
            _psql(url, sql)
        return url

    def drop_all(self) -> None:
        for name in self.created:
            _psql(self.admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture()
def pg_databases(pg_admin_url: str) -> Iterator[PgDatabases]:
    """Per-test factory of fresh databases (dropped afterwards)."""
    dbs = PgDatabases(pg_admin_url)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def pg_dataset(pg_admin_url: str) -> Iterator[Callable[[str], str]]:
    """URL of a shared dataset loaded once per session into its own database (read-only use)."""
    dbs = PgDatabases(pg_admin_url)
    loaded: dict[str, str] = {}

    def get(name: str) -> str:
        if name not in loaded:
            loaded[name] = dbs.create(name, sql_file=dataset_path(name, "postgres.sql"))
        return loaded[name]

    yield get
    dbs.drop_all()


# -- MySQL / MariaDB ---------------------------------------------------------------------
# A throwaway MariaDB server (dbsynth.testing.start_mysql), started once per session when a
# test asks for it; DBSYNTH_TEST_MYSQL_URL points at an existing server instead (a URL of a
# user that may CREATE/DROP DATABASE). Without mariadbd or PyMySQL these tests skip.

@pytest.fixture(scope="session")
def mysql_admin_url() -> Iterator[str]:
    pytest.importorskip("pymysql", reason='PyMySQL not installed (pip install "dbsynth[mysql]")')
    url = os.environ.get("DBSYNTH_TEST_MYSQL_URL")
    if url:
        yield url
        return
    from dbsynth.testing import mysql_bin, start_mysql
    if not mysql_bin("mariadbd") or not mysql_bin("mariadb-install-db"):
        pytest.skip("mariadbd not installed (apt-get install mariadb-server, see .ci/run)")
    url, stop = start_mysql()
    yield url
    stop()


def mysql_connect(url: str, *, multi: bool = False) -> "object":
    """A PyMySQL connection to `url` (autocommit); `multi` allows several statements per call."""
    import pymysql
    from pymysql.constants import CLIENT
    from sqlalchemy.engine import make_url

    u = make_url(url)
    return pymysql.connect(host=u.host or "127.0.0.1", port=u.port or 3306, user=u.username or "root",
                           password=u.password or "", database=u.database, autocommit=True, charset="utf8mb4",
                           client_flag=CLIENT.MULTI_STATEMENTS if multi else 0, local_infile=True)


class MysqlDatabases:
    """Creates databases on the test MariaDB server; drops them at teardown."""

    def __init__(self, admin_url: str) -> None:
        self.admin_url = admin_url
        self.created: list[str] = []

    def url(self, name: str) -> str:
        return self.admin_url.rsplit("/", 1)[0] + "/" + name

    def create(self, prefix: str = "test", *, sql: str | None = None, sql_files: tuple[Path, ...] = ()) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:8]}"
        conn = mysql_connect(self.admin_url)
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4")
        conn.close()  # type: ignore[attr-defined]
        self.created.append(name)
        url = self.url(name)
        if sql:
            conn = mysql_connect(url, multi=True)
            with conn.cursor() as cur:  # type: ignore[attr-defined]
                cur.execute(sql)
                while cur.nextset():
                    pass
            conn.close()  # type: ignore[attr-defined]
        for path in sql_files:  # dump files with DELIMITER blocks need the command-line client
            self._client(url, path.read_text())
        return url

    def _client(self, url: str, text: str) -> None:
        import shutil
        from sqlalchemy.engine import make_url
        client = shutil.which("mariadb") or shutil.which("mysql")
        if client is None:
            pytest.skip("the mariadb command-line client is not installed")
        u = make_url(url)
        cmd = [client, "--no-defaults", "-h", u.host or "127.0.0.1", "-P", str(u.port or 3306),
               "-u", u.username or "root", u.database or ""]
        env = dict(os.environ, MYSQL_PWD=u.password or "")
        subprocess.run(cmd, input=text.encode(), check=True, capture_output=True, env=env)

    def drop_all(self) -> None:
        conn = mysql_connect(self.admin_url)
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            for name in self.created:
                cur.execute(f"DROP DATABASE IF EXISTS `{name}`")
        conn.close()  # type: ignore[attr-defined]


@pytest.fixture()
def mysql_databases(mysql_admin_url: str) -> Iterator[MysqlDatabases]:
    """Per-test factory of fresh MariaDB databases (dropped afterwards)."""
    dbs = MysqlDatabases(mysql_admin_url)
    yield dbs
    dbs.drop_all()


@pytest.fixture(scope="session")
def mysql_sakila(mysql_admin_url: str) -> Iterator[str]:
    """The official MySQL Sakila (shared/datasets/sakila, MariaDB filter applied), loaded once.

    Its views name the `sakila` database, so it is loaded under that name; an existing
    `sakila` database on a DBSYNTH_TEST_MYSQL_URL server is used as it is (read only).
    """
    schema, data = dataset_path("sakila", "mysql-schema.sql"), dataset_path("sakila", "mysql-data.sql")
    dbs = MysqlDatabases(mysql_admin_url)
    conn = mysql_connect(mysql_admin_url)
    with conn.cursor() as cur:  # type: ignore[attr-defined]
        exists = cur.execute("SHOW DATABASES LIKE 'sakila'")
    conn.close()  # type: ignore[attr-defined]
    if not exists:
        for path in (schema, data):
            dbs._client(mysql_admin_url, path.read_text().replace("/*!50705 ", "/*M!50705 "))  # mariadb-compat.sed
        dbs.created.append("sakila")
    yield dbs.url("sakila")
    dbs.drop_all()
