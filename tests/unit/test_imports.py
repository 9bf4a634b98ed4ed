"""No import circles between the relational core, the sampler, the engines and the shared frames,
and the connector registry never imports a concrete connector.

Every import counts: module level, inside functions and under TYPE_CHECKING (a lazy
import hides a circle, it does not remove it). Edges are between packages
(`dbsynth.sample`, `dbsynth.relational`, …; top-level modules such as
`dbsynth/frames.py` are their own node). Circles left elsewhere (connectors <-> schema/load,
transform <-> profile/sample) are not in CORE; see the issue-12 note.
"""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

ROOT = Path(__file__).resolve().parents[2]
CORE = {"dbsynth.frames", "dbsynth.relational", "dbsynth.relations", "dbsynth.sample", "dbsynth.engines",
        "dbsynth.validate", "dbsynth.schema"}


def _imports(path: Path) -> list[str]:
    out = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out += [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append(node.module)
    return out


def _module(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def _package(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] == "connectors":
        return "connectors"
    return ".".join(parts[:2]) if parts[0] == "dbsynth" else None


def package_graph() -> nx.DiGraph:
    graph = nx.DiGraph()
    for path in [*(ROOT / "dbsynth").rglob("*.py"), *(ROOT / "connectors").rglob("*.py")]:
        src = _package(_module(path))
        for name in _imports(path):
            dst = _package(name)
            if src and dst and dst != src:
                graph.add_edge(src, dst)
    return graph


def test_core_packages_import_without_circles() -> None:
    core = package_graph().subgraph(CORE)
    cycles = list(nx.simple_cycles(core))
    assert cycles == [], cycles
    assert nx.is_directed_acyclic_graph(core)


def test_named_circles_are_gone() -> None:
    graph = package_graph()
    assert not graph.has_edge("dbsynth.sample", "dbsynth.engines")  # the sampler names no engine
    assert not graph.has_edge("dbsynth.relational", "dbsynth.sample")
    assert not graph.has_edge("dbsynth.relational", "dbsynth.engines")
    assert not graph.has_edge("dbsynth.relations", "dbsynth.pipeline")
    assert not graph.has_edge("dbsynth.validate", "dbsynth.sample")  # TableChunk comes from dbsynth.frames
    assert not graph.has_edge("dbsynth.sample", "dbsynth.validate")  # so do the key sets


def test_sampler_names_no_generator() -> None:
    for path in (ROOT / "dbsynth" / "sample").rglob("*.py"):
        assert not [m for m in _imports(path) if m.startswith("dbsynth.engines")], path


def test_connector_registry_imports_no_concrete_connector() -> None:
    base = ROOT / "connectors" / "base.py"
    concrete = {_module(p) for p in (ROOT / "connectors").glob("*.py")} - {"connectors.base", "connectors"}
    assert not set(_imports(base)) & concrete


def test_loader_takes_writers_from_connector_capabilities() -> None:
    """The loader picks no writer by dialect: each connector declares its own (Capabilities.writer)."""
    from connectors.base import capabilities_for, writer_class

    imported = set(_imports(ROOT / "dbsynth" / "load" / "loader.py"))
    assert not imported & {"connectors.pg_writer", "connectors.mysql_writer", "connectors.sqlite_writer"}
    assert writer_class(capabilities_for("sqlite:///x.db")).__name__ == "SqliteWriter"
    assert writer_class(capabilities_for("postgresql://u@h/db")).__name__ == "PgWriter"
    assert writer_class(capabilities_for("mssql://u@h/db")).__name__ == "GenericWriter"


def test_connectors_open_their_own_load_engines(tmp_path) -> None:
    """The loader opens the engine the target's connector declares, not one chosen by dialect name."""
    from dbsynth.load.loader import open_target

    engine = open_target(f"sqlite:///{tmp_path / 'x.db'}")  # the SQLite connector's: FKs on, real BEGIN
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()
