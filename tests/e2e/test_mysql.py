"""MySQL / MariaDB end to end: MySQL → MySQL (fixtures and the official Sakila),
PostgreSQL → MariaDB and MariaDB → PostgreSQL, on the suite's throwaway servers.

After every load into MariaDB the FKs are checked twice: by query (orphans) and by
the server itself (each FK dropped and re-added with FOREIGN_KEY_CHECKS=1, which
makes InnoDB validate every row); the next application INSERT into every
AUTO_INCREMENT table must not collide with a loaded key.
"""
from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import mysql_connect
from tests.e2e.test_seed import dbsynth, ok
from tests.fixtures.schemas import postgres_fixture_sql

pytestmark = [pytest.mark.slow, pytest.mark.mysql]

MYSQL_FIXTURE = """
CREATE TABLE store (
  store_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  manager_id SMALLINT UNSIGNED NOT NULL,
  UNIQUE KEY uq_manager (manager_id),
  CONSTRAINT fk_store_manager FOREIGN KEY (manager_id) REFERENCES staff (staff_id)
) ENGINE=InnoDB;
CREATE TABLE staff (
  staff_id SMALLINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  store_id TINYINT UNSIGNED NOT NULL,
  name VARCHAR(40) NOT NULL,
  active TINYINT(1) NOT NULL DEFAULT 1,
  CONSTRAINT fk_staff_store FOREIGN KEY (store_id) REFERENCES store (store_id)
) ENGINE=InnoDB;
CREATE TABLE film (
  film_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  title VARCHAR(60) NOT NULL,
  rating ENUM('G','PG','R') NOT NULL DEFAULT 'G',
  features SET('Trailers','Commentaries','Deleted Scenes') NULL,
  rate DECIMAL(4,2) NOT NULL,
  double_rate DECIMAL(5,2) AS (rate * 2) STORED,
  released DATE NULL,
  meta JSON NULL,
  last_update TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  CONSTRAINT rate_positive CHECK (rate > 0),
  FULLTEXT KEY ft_title (title)
) ENGINE=InnoDB;
CREATE TABLE rental (
  rental_id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  film_id INT UNSIGNED NOT NULL,
  staff_id SMALLINT UNSIGNED NOT NULL,
  rented DATETIME NOT NULL,
  returned DATETIME NULL,
  CONSTRAINT fk_rental_film FOREIGN KEY (film_id) REFERENCES film (film_id),
  CONSTRAINT fk_rental_staff FOREIGN KEY (staff_id) REFERENCES staff (staff_id)
) ENGINE=InnoDB;
CREATE TRIGGER film_bu BEFORE UPDATE ON film FOR EACH ROW SET NEW.title = TRIM(NEW.title);
"""


def _mysql_rows() -> str:
    rows = ["INSERT INTO store VALUES (1, 1), (2, 2);",
            "INSERT INTO staff (staff_id, store_id, name, active) VALUES "
            + ", ".join(f"({i}, {1 + i % 2}, 'Staff {i}', {i % 3 != 0})" for i in range(1, 9)) + ";"]
    films = []
    for i in range(1, 81):
        feats = "NULL" if i % 4 == 0 else f"'{['Trailers', 'Trailers,Commentaries', 'Deleted Scenes'][i % 3]}'"
        released = "'0000-00-00'" if i % 17 == 0 else f"'20{10 + i % 10}-0{1 + i % 9}-1{i % 9}'"
        films.append(f"({i}, 'Film {i}', '{['G', 'PG', 'R'][i % 3]}', {feats}, {1 + (i % 5) * 0.5:.2f}, "
                     f"{released}, '{{\"n\": {i}}}')")
    rows.append("SET SESSION sql_mode = ''; INSERT INTO film (film_id, title, rating, features, rate, released, meta) "
                "VALUES " + ", ".join(films) + ";")
    rentals = [f"({i}, {1 + i * 7 % 80}, {1 + i % 8}, '2021-03-{1 + i % 28:02d} 10:{i % 60:02d}:00', "
               + ("NULL" if i % 5 == 0 else f"'2021-04-{1 + i % 28:02d} 09:00:00'") + ")" for i in range(1, 301)]
    rows.append("INSERT INTO rental VALUES " + ", ".join(rentals) + ";")
    return "SET FOREIGN_KEY_CHECKS = 0;\n" + MYSQL_FIXTURE + "\n".join(rows)


def _query(url: str, sql: str, args: Any = None) -> list[tuple[Any, ...]]:
    conn = mysql_connect(url)
    try:
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            cur.execute(sql, args)
            return list(cur.fetchall())
    finally:
        conn.close()  # type: ignore[attr-defined]


def mysql_counts(url: str) -> dict[str, int]:
    tables = [r[0] for r in _query(url, "SELECT TABLE_NAME FROM information_schema.TABLES "
                                        "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")]
    return {t: int(_query(url, f"SELECT COUNT(*) FROM `{t}`")[0][0]) for t in tables}


def mysql_fks(url: str) -> list[tuple[str, str, list[str], str, list[str]]]:
    rows = _query(url, "SELECT TABLE_NAME, CONSTRAINT_NAME, COLUMN_NAME, REFERENCED_TABLE_NAME, "
                       "REFERENCED_COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE "
                       "WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL "
                       "ORDER BY TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION")
    fks: dict[tuple[str, str], tuple[str, str, list[str], str, list[str]]] = {}
    for table, name, col, ref, refcol in rows:
        fk = fks.setdefault((table, name), (table, name, [], ref, []))
        fk[2].append(col)
        fk[4].append(refcol)
    return list(fks.values())


def assert_mysql_target_sound(url: str) -> None:
    """0 orphans by query, every FK re-validated by the server, AUTO_INCREMENT past the keys."""
    fks = mysql_fks(url)
    assert fks, "the target has no foreign keys"
    conn = mysql_connect(url)
    try:
        with conn.cursor() as cur:  # type: ignore[attr-defined]
            for table, name, cols, ref, refcols in fks:
                on = " AND ".join(f"p.`{b}` = c.`{a}`" for a, b in zip(cols, refcols))
                filled = " AND ".join(f"c.`{a}` IS NOT NULL" for a in cols)
                cur.execute(f"SELECT COUNT(*) FROM `{table}` c WHERE {filled} AND NOT EXISTS "
                            f"(SELECT 1 FROM `{ref}` p WHERE {on})")
                assert cur.fetchone()[0] == 0, (table, name)
            cur.execute("SET FOREIGN_KEY_CHECKS = 1")
            for table, name, cols, ref, refcols in fks:  # the server validates every row on ADD
                cur.execute(f"ALTER TABLE `{table}` DROP FOREIGN KEY `{name}`")
                cur.execute(f"ALTER TABLE `{table}` ADD CONSTRAINT `{name}` FOREIGN KEY "
                            f"({', '.join(f'`{c}`' for c in cols)}) REFERENCES `{ref}` "
                            f"({', '.join(f'`{c}`' for c in refcols)})")
            cur.execute("SELECT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS "
                        "WHERE TABLE_SCHEMA = DATABASE() AND EXTRA LIKE '%%auto_increment%%'")
            autos = list(cur.fetchall())
            assert autos, "no AUTO_INCREMENT column in the target"
            for table, column in autos:
                _next_insert(cur, table, column)
    finally:
        conn.close()  # type: ignore[attr-defined]


def _next_insert(cur: Any, table: str, column: str) -> None:
    """An application INSERT leaving the key to AUTO_INCREMENT gets a key past every loaded one."""
    cur.execute(f"SELECT MAX(`{column}`) FROM `{table}`")
    top = cur.fetchone()[0] or 0
    cur.execute("SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() "
                "AND TABLE_NAME = %s AND COLUMN_NAME <> %s AND EXTRA NOT LIKE '%%GENERATED%%'", (table, column))
    others = [r[0] for r in cur.fetchall()]
    cols = ", ".join(f"`{c}`" for c in others)
    cur.execute("START TRANSACTION")
    cur.execute("SET FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0")
    try:
        cur.execute(f"INSERT INTO `{table}` ({cols}) SELECT {cols} FROM `{table}` LIMIT 1" if others
                    else f"INSERT INTO `{table}` () VALUES ()")
        assert cur.lastrowid > top, (table, cur.lastrowid, top)
    except Exception as exc:  # a copied row may repeat another UNIQUE key; never the primary key
        assert "PRIMARY" not in str(exc), (table, str(exc))
        cur.execute(f"SELECT AUTO_INCREMENT FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() "
                    f"AND TABLE_NAME = %s", (table,))
        assert int(cur.fetchone()[0]) > top, table
    finally:
        cur.execute("ROLLBACK")
        cur.execute("SET FOREIGN_KEY_CHECKS = 1, UNIQUE_CHECKS = 1")


def test_mysql_to_mysql_fixture(mysql_databases) -> None:  # type: ignore[no-untyped-def]
    src = mysql_databases.create("src", sql=_mysql_rows())
    dst = mysql_databases.create("dst")
    out = ok(dbsynth("seed", src, dst, "--seed", "1"))
    assert "mysql-load-data-local-infile" in out.stdout + out.stderr
    assert mysql_counts(dst) == mysql_counts(src)
    assert_mysql_target_sound(dst)
    # the stored generated column is computed by the target, the CHECK and ENUM hold
    assert _query(dst, "SELECT COUNT(*) FROM film WHERE double_rate <> rate * 2 OR rate <= 0")[0][0] == 0
    ddl = _query(dst, "SHOW CREATE TABLE film")[0][1]
    assert "enum('G','PG','R')" in ddl and "FULLTEXT KEY" in ddl and "CHECK" in ddl
    assert "ON UPDATE current_timestamp()" in ddl
    assert _query(dst, "SELECT COUNT(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()")[0][0] == 1
    # a second load into the now existing tables: MySQL cannot switch the trigger off, so it is set
    # aside during the load and put back after it; --keep-triggers lets it fire instead
    before = _trigger_statements(dst)
    again = ok(dbsynth("seed", src, dst, "--seed", "2", "--mode", "replace"))
    assert "1 set aside during the load" in " ".join(again.stdout.split())
    assert _trigger_statements(dst) == before
    assert mysql_counts(dst) == mysql_counts(src)
    ok(dbsynth("seed", src, dst, "--seed", "2", "--mode", "replace", "--keep-triggers"))
    assert mysql_counts(dst) == mysql_counts(src)
    assert _trigger_statements(dst) == before
    assert_mysql_target_sound(dst)


def _trigger_statements(url: str) -> dict[str, tuple[str, str]]:
    """Trigger name → (sql_mode, statement) as SHOW CREATE TRIGGER gives them."""
    names = [r[0] for r in _query(url, "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
                                       "WHERE TRIGGER_SCHEMA = DATABASE()")]
    return {n: tuple(_query(url, f"SHOW CREATE TRIGGER `{n}`")[0][1:3]) for n in names}


def test_mysql_append_sets_target_triggers_aside(mysql_databases, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An append into a seeded target: its triggers do not fire on the new rows and are all
    still there afterwards, after a successful load and after a rolled-back one."""
    src = mysql_databases.create("src", sql=_mysql_rows())
    dst = mysql_databases.create("dst")
    ok(dbsynth("seed", src, dst, "--seed", "1"))
    conn = mysql_connect(dst)
    with conn.cursor() as cur:  # type: ignore[attr-defined]
        cur.execute("CREATE TABLE audit (rental_id BIGINT UNSIGNED NOT NULL)")
        cur.execute("CREATE TRIGGER rental_ai AFTER INSERT ON rental FOR EACH ROW "
                    "INSERT INTO audit VALUES (NEW.rental_id)")
    conn.close()  # type: ignore[attr-defined]
    before, counts = _trigger_statements(dst), mysql_counts(dst)
    assert set(before) == {"film_bu", "rental_ai"}
    out = ok(dbsynth("seed", src, dst, "--seed", "3", "--mode", "append", "--scale", "0.5"))
    assert "2 set aside during the load" in " ".join(out.stdout.split())
    grown = mysql_counts(dst)
    assert grown["rental"] > counts["rental"] and grown["film"] > counts["film"]
    assert grown["audit"] == 0  # the trigger did not fire on the loaded rows
    assert _trigger_statements(dst) == before
    assert_mysql_target_sound(dst)
    # a load that fails (a sample folder's keys start at 1 again: duplicates) rolls back and still
    # puts the triggers back
    folder = tmp_path / "rows"
    ok(dbsynth("fit", src, "-o", str(tmp_path / "model"), "--seed", "2"))
    ok(dbsynth("sample", str(tmp_path / "model"), "-o", str(folder), "--format", "csv", "--scale", "0.2"))
    failed = dbsynth("load", str(folder), dst, "--mode", "append")
    assert failed.returncode != 0 and "rolled back" in failed.stderr and "Traceback" not in failed.stderr
    assert mysql_counts(dst) == grown
    assert _trigger_statements(dst) == before


def test_mysql_fk_violation_rolls_back_with_one_line(mysql_databases, tmp_path) -> None:  # type: ignore[no-untyped-def]
    src = mysql_databases.create("src", sql=_mysql_rows())
    dst = mysql_databases.create("dst")
    folder = tmp_path / "rows"
    ok(dbsynth("fit", src, "-o", str(tmp_path / "model"), "--seed", "2"))
    ok(dbsynth("sample", str(tmp_path / "model"), "-o", str(folder), "--format", "csv"))
    rental = next((folder / "rental").glob("*.csv"))
    lines = rental.read_text().splitlines()
    header = lines[0].split(",")
    first = lines[1].split(",")
    first[header.index("film_id")] = "999999"
    rental.write_text("\n".join([lines[0], ",".join(first), *lines[2:]]) + "\n")
    out = dbsynth("load", str(folder), dst)
    assert out.returncode != 0
    text = (out.stdout + out.stderr).strip()
    assert "fk_rental_film" in text and "rolled back" in text and "Traceback" not in text
    assert mysql_counts(dst) == {}  # the tables this load created are gone again


@pytest.mark.datasets
def test_mysql_sakila_to_mysql(mysql_sakila: str, mysql_databases) -> None:  # type: ignore[no-untyped-def]
    dst = mysql_databases.create("sakila_dst")
    out = ok(dbsynth("seed", mysql_sakila, dst, "--seed", "0", timeout=900))
    assert "orphan FK rows: 0 (checked 22)" in out.stdout
    assert mysql_counts(dst) == mysql_counts(mysql_sakila)
    assert len(mysql_fks(dst)) == 22
    # the reported failure: an append into the seeded Sakila (its ins_film trigger would add a
    # second film_text row per loaded film); the 6 triggers are set aside and put back
    seeded = mysql_counts(dst)
    out = ok(dbsynth("seed", mysql_sakila, dst, "--seed", "1", "--mode", "append", "--scale", "0.1", timeout=900))
    assert "6 set aside during the load" in " ".join(out.stdout.split())
    assert "drift:" not in out.stdout + out.stderr  # MySQL index names are per table: kept as the source's
    grown = mysql_counts(dst)
    assert grown["film"] > seeded["film"] and grown["rental"] > seeded["rental"]
    assert grown["film_text"] - seeded["film_text"] == grown["film"] - seeded["film"]  # loaded, not fired
    assert len(_trigger_statements(dst)) == 6
    assert_mysql_target_sound(dst)


PG_FIXTURE = """
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE TABLE person (
  id serial PRIMARY KEY, name varchar(40) NOT NULL, mood mood NOT NULL, active boolean NOT NULL,
  profile jsonb, seen timestamptz NOT NULL, score numeric(6,2) CHECK (score >= 0)
);
CREATE TABLE visit (
  id bigserial PRIMARY KEY, person_id int NOT NULL REFERENCES person(id), note text,
  at timestamp NOT NULL
);
INSERT INTO person (name, mood, active, profile, seen, score)
SELECT 'P' || i, (ARRAY['happy','sad'])[1 + i % 2]::mood, i % 3 = 0, jsonb_build_object('n', i),
       '2022-01-01 00:00:00+02'::timestamptz + i * interval '1 hour', i % 50
FROM generate_series(1, 60) i;
INSERT INTO visit (person_id, note, at)
SELECT 1 + i % 60, 'note ' || i, '2022-02-01'::timestamp + i * interval '1 day' FROM generate_series(1, 200) i;
"""


@pytest.mark.postgres
def test_postgres_to_mariadb_fixture(pg_databases, mysql_databases) -> None:  # type: ignore[no-untyped-def]
    src = pg_databases.create("pgsrc", sql=PG_FIXTURE)
    dst = mysql_databases.create("frompg")
    out = ok(dbsynth("seed", src, dst, "--seed", "0"))
    text = " ".join((out.stdout + out.stderr).split())
    assert "types mapped postgresql → mysql" in text and "→ ENUM" in text and "boolean → TINYINT(1)" in text
    assert mysql_counts(dst) == {"person": 60, "visit": 200}
    ddl = _query(dst, "SHOW CREATE TABLE person")[0][1].lower()
    assert "enum('happy','sad')" in ddl and "tinyint(1)" in ddl and "auto_increment" in ddl
    assert "check" in ddl  # score >= 0
    assert_mysql_target_sound(dst)


@pytest.mark.postgres
@pytest.mark.parametrize("fixture", ["cycle2_notnull", "composite", "self_reference"])
def test_postgres_fixture_shapes_to_mariadb(fixture: str, pg_databases, mysql_databases) -> None:  # type: ignore[no-untyped-def]
    src = pg_databases.create(fixture, sql=postgres_fixture_sql(fixture))
    dst = mysql_databases.create("shape")
    ok(dbsynth("seed", src, dst, "--seed", "4"))
    assert mysql_fks(dst)
    conn_counts = mysql_counts(dst)
    assert all(n > 0 for n in conn_counts.values()), conn_counts


@pytest.mark.postgres
def test_mariadb_to_postgres_fixture(mysql_databases, pg_databases) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    src = mysql_databases.create("src", sql=_mysql_rows())
    dst = pg_databases.create("frommy")
    out = ok(dbsynth("seed", src, dst, "--seed", "0"))
    text = " ".join((out.stdout + out.stderr).split())
    assert "types mapped mysql → postgresql" in text and "TINYINT(1) → boolean" in text
    with psycopg.connect(dst) as conn:
        kinds = dict(conn.execute("SELECT contype, COUNT(*) FROM pg_constraint c JOIN pg_class t "
                                  "ON t.oid = c.conrelid WHERE t.relname IN ('store','staff','film','rental') "
                                  "GROUP BY contype").fetchall())
        assert kinds.get("f") == 4 and kinds.get("c", 0) >= 2  # 4 FKs; rate > 0 and the ENUM check
        active = conn.execute("SELECT data_type FROM information_schema.columns "
                              "WHERE table_name = 'staff' AND column_name = 'active'").fetchone()[0]
        assert active == "boolean"
        meta = conn.execute("SELECT data_type FROM information_schema.columns "
                            "WHERE table_name = 'film' AND column_name = 'meta'").fetchone()[0]
        assert meta in ("json", "jsonb")  # MariaDB JSON (LONGTEXT + json_valid) → JSON
        counts = {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("store", "staff", "film", "rental")}
    assert counts == {k: v for k, v in mysql_counts(src).items()}


_PG_CONSTRAINTS = """
SELECT c.contype, COUNT(*) FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
WHERE n.nspname = 'public' AND c.contype IN ('f', 'c')
  AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = t.oid) GROUP BY c.contype"""


@pytest.mark.datasets
@pytest.mark.postgres
def test_postgres_sakila_to_mariadb(pg_dataset, mysql_databases) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    src = pg_dataset("sakila")
    dst = mysql_databases.create("pgsakila")
    out = ok(dbsynth("seed", src, dst, "--seed", "0", timeout=900))
    assert "orphan FK rows: 0" in out.stdout
    with psycopg.connect(src) as conn:
        want = dict(conn.execute(_PG_CONSTRAINTS).fetchall())
    assert len(mysql_fks(dst)) == want["f"]
    checks = _query(dst, "SELECT COUNT(*) FROM information_schema.TABLE_CONSTRAINTS "
                         "WHERE CONSTRAINT_SCHEMA = DATABASE() AND CONSTRAINT_TYPE = 'CHECK'")[0][0]
    assert checks >= want.get("c", 0)
    assert_mysql_target_sound(dst)


@pytest.mark.datasets
@pytest.mark.postgres
def test_mariadb_sakila_to_postgres(mysql_sakila: str, pg_databases) -> None:  # type: ignore[no-untyped-def]
    import psycopg
    dst = pg_databases.create("mysakila")
    out = ok(dbsynth("seed", mysql_sakila, dst, "--seed", "0", timeout=900))
    assert "orphan FK rows: 0 (checked 22)" in out.stdout
    with psycopg.connect(dst) as conn:
        got = dict(conn.execute(_PG_CONSTRAINTS).fetchall())
        counts = {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in mysql_counts(mysql_sakila)}
    assert got["f"] == 22
    assert counts == mysql_counts(mysql_sakila)


STAFF_FIXTURE = """
CREATE TABLE staff (
  staff_id TINYINT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,
  first_name VARCHAR(45) NOT NULL,
  picture BLOB DEFAULT NULL,
  active BOOLEAN NOT NULL DEFAULT TRUE,
  username VARCHAR(16) NOT NULL,
  password VARCHAR(40) BINARY DEFAULT NULL,
  token VARBINARY(20) DEFAULT NULL,
  code VARCHAR(8) COLLATE utf8mb4_bin NOT NULL
) ENGINE=InnoDB;
"""


def _staff_rows() -> str:
    rows = []
    for i in range(1, 31):
        picture = "NULL" if i % 2 else f"UNHEX('89504E47{i:04X}')"
        password = "NULL" if i % 3 == 0 else f"SHA1('pw{i}')"
        rows.append(f"({i}, 'Name{i}', {picture}, {i % 4 != 0}, 'user{i}', {password}, "
                    f"UNHEX('{i:040X}'), 'C{i % 5}')")
    return "INSERT INTO staff VALUES " + ", ".join(rows) + ";"


def test_mysql_binary_columns_profile_like_their_sqlite_copy(mysql_databases, tmp_path) -> None:  # type: ignore[no-untyped-def]
    # issue 13: MySQL Sakila's staff (BLOB picture, VARCHAR BINARY password, TINYINT(1) active) must be
    # modelled as the same rows are from SQLite, so MySQL → MySQL scores as PG → PG on the same data
    from dbsynth import api

    src = mysql_databases.create("staff_src", sql=STAFF_FIXTURE + _staff_rows())
    copy = f"sqlite:///{tmp_path / 'copy.sqlite'}"
    api.subset(src, copy, percent=100, mask=False)
    kinds = {}
    for url in (src, copy):
        profile = api.inspect(url, profile=True).profiles["staff"]  # type: ignore[index]
        kinds[url] = {c.name: (c.semantic.value, c.pii_kind.value if c.pii_kind else None) for c in profile.columns}
    assert kinds[src] == kinds[copy]
    assert kinds[src]["password"] == ("pii", "password") and kinds[src]["username"] == ("pii", "username")
    assert kinds[src]["picture"][0] == kinds[src]["token"][0] == "other"  # bytes: drawn new, never copied
    assert kinds[src]["active"] == ("boolean", None) and kinds[src]["code"] == ("categorical", None)
