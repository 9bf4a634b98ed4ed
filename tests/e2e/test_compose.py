"""docker-compose.yml: pinned images, named volumes, health checks that wait for the init
scripts, and a source role that can only read (its init script run on the suite's PostgreSQL)."""
from __future__ import annotations

import re
import uuid

import pytest
import sqlalchemy as sa

from tests.conftest import ROOT, PgDatabases, _psql
from tests.e2e.test_seed import dbsynth, ok

COMPOSE = ROOT / "docker-compose.yml"
READONLY_SQL = ROOT / "examples" / "docker" / "source-readonly.sql"


def _services(text: str) -> dict[str, str]:
    """Each service's block of lines (two-space indented names under `services:`)."""
    body = text.split("\nservices:\n", 1)[1].split("\nvolumes:\n", 1)[0]
    parts = re.split(r"^  ([a-z][\w-]*):\n", body, flags=re.M)
    return dict(zip(parts[1::2], parts[2::2]))


def test_compose_file_is_pinned_named_and_waits_for_init() -> None:
    text = COMPOSE.read_text()
    services = _services(text)
    assert {"source", "staging", "mariadb-source", "mariadb-staging"} <= set(services)
    declared = set(re.findall(r"^  ([a-z][\w-]*):\s*$", text.split("\nvolumes:\n", 1)[1], flags=re.M))
    for name, block in services.items():
        image = re.search(r"image:\s*(\S+)", block).group(1)
        assert re.search(r":\d+\.\d+", image) and "latest" not in image, f"{name}: image {image} is not pinned"
        assert "healthcheck:" in block, name
        if "postgres" in image:  # over TCP: ready only after the init scripts, not during them
            assert "pg_isready -h 127.0.0.1" in block, name
        data = re.findall(r"-\s*([\w-]+):/var/lib/(?:postgresql|mysql)", block)
        assert data and set(data) <= declared, f"{name}: data not on a named volume"
        for mount in re.findall(r"-\s*\./(\S+?):/docker-entrypoint-initdb\.d/", block):
            assert (ROOT / mount).is_file(), mount
        assert re.search(r'ports:\s*\["127\.0\.0\.1:', block), f"{name}: port open beyond localhost"
    assert "examples/docker/source-readonly.sql" in services["source"]
    assert "examples/docker/mariadb-readonly.sql" in services["mariadb-source"]
    for part in ("mysql-schema.sql.xz", "mysql-data.sql.xz"):  # what the MariaDB init script loads
        assert (ROOT / "examples" / "sakila" / part).is_file() and part in (ROOT / "examples/docker/mariadb-sakila.sh").read_text()
    assert "docker compose up -d --wait" in text and "docker compose up -d --wait" in (ROOT / "README.md").read_text()


@pytest.mark.postgres
def test_source_role_reads_and_seeds_but_cannot_write(pg_admin_url: str, pg_databases: PgDatabases) -> None:
    source = pg_databases.create("chinook", sql_file=ROOT / "examples" / "chinook" / "postgres.sql")
    dbname = source.rsplit("/", 1)[1]
    role = f"reader_{uuid.uuid4().hex[:8]}"  # the script's role, renamed: roles are cluster-wide
    script = READONLY_SQL.read_text().replace("dbsynth_reader", role).replace("DATABASE chinook", f'DATABASE "{dbname}"')
    _psql(source, script)
    host = pg_admin_url.split("@", 1)[1].rsplit("/", 1)[0]
    reader = f"postgresql://{role}:reader@{host}/{dbname}"
    try:
        target = pg_databases.create("staging")
        ok(dbsynth("seed", reader, target, "--seed", "1"))
        engine = sa.create_engine(target.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT COUNT(*) FROM artist")).scalar() == 275
        engine.dispose()
        refused = sa.create_engine(reader.replace("postgresql://", "postgresql+psycopg://", 1))
        with pytest.raises(sa.exc.DBAPIError, match="read-only|permission denied"):
            with refused.begin() as conn:
                conn.execute(sa.text("INSERT INTO genre (genre_id, name) VALUES (999, 'x')"))
        refused.dispose()
    finally:
        _psql(source, f"DROP OWNED BY {role}")
        _psql(pg_admin_url, f"DROP ROLE {role}")
