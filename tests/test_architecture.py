"""The import rules of the README's Architecture map, checked over every module's imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

PACKAGE = REPO / "bot"
# Outside the package, what each part must never import (first dotted component).
NETWORK_OR_EDGE = {"telegram", "argparse", "aiohttp", "httpx", "http", "urllib", "socket"}
# Ingestion's own libraries: network, extraction, feeds, the gaps log's database.
INGEST_ONLY = {"urllib3", "trafilatura", "feedparser", "sqlite3"}
# Language identification is offline (its model is in the wheel): ingestion tells a page's
# language, the core an article's or a question's, and nothing else uses it.
LANGUAGE_ID = {"py3langid"}


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str | None = None) -> set[str]:
    """Every module `path` (module `name`) imports, relative imports made absolute."""
    package = (name or module_name(path)).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                name = ".".join([*base, node.module] if node.module else base)
                found.add(name)
                if not node.module:  # from . import x: the modules x
                    found.update(f"{name}.{alias.name}" for alias in node.names)
            else:
                found.add(node.module or "")
    return found


def internal(names: set[str]) -> set[str]:
    return {n for n in names if n == "bot" or n.startswith("bot.")}


SEARCH = modules(PACKAGE / "search")
TELEGRAM_EDGE = modules(PACKAGE / "telegram_edge")
INGEST = modules(PACKAGE / "ingest")
CLUSTER = modules(PACKAGE / "cluster")
SHARED = [
    PACKAGE / f"{name}.py"
    for name in ("config", "errors", "render", "reload", "models", "logsafety")
]


def ids(paths: list[Path]) -> list[str]:
    return [module_name(p) for p in paths]


@pytest.mark.parametrize("path", SEARCH, ids=ids(SEARCH))
def test_the_search_core_imports_only_itself_config_and_errors(path: Path) -> None:
    found = imports(path)
    assert not {n.split(".")[0] for n in found} & (NETWORK_OR_EDGE | INGEST_ONLY)
    allowed = {"bot", "bot.__version__", "bot.config", "bot.errors"}
    outside = {n for n in internal(found) if not n.startswith("bot.search")}
    assert outside <= allowed, outside


CREDITS = modules(PACKAGE / "search" / "credits")


@pytest.mark.parametrize("path", CREDITS, ids=ids(CREDITS))
def test_credits_read_text_alone(path: Path) -> None:
    """Crediting is pure text work: nothing of the index, BM25, NumPy or the outside world."""
    found = imports(path)
    allowed = {"__future__", "re", "bisect", "collections", "dataclasses", "typing"}
    inside = {n for n in internal(found) if not n.startswith("bot.search.credits")}
    assert inside <= {"bot.search.text"}
    assert {n.split(".")[0] for n in found if not n.startswith("bot")} <= allowed


@pytest.mark.parametrize("path", SHARED, ids=ids(SHARED))
def test_the_shared_edges_import_neither_telegram_nor_the_cli(path: Path) -> None:
    found = imports(path)
    assert "telegram" not in {n.split(".")[0] for n in found}
    assert not {n for n in internal(found) if n.startswith(("bot.cli", "bot.telegram_edge"))}


@pytest.mark.parametrize("path", INGEST, ids=ids(INGEST))
def test_ingest_imports_neither_telegram_nor_the_cli_nor_the_other_edges(path: Path) -> None:
    found = imports(path)
    assert not {n.split(".")[0] for n in found} & {"telegram", "argparse"}
    allowed = ("bot.ingest", "bot.search", "bot.config", "bot.errors")
    outside = {n for n in internal(found) if not n.startswith(allowed)}
    assert outside <= {"bot", "bot.__version__"}, outside


def test_only_ingest_imports_the_ingest_libraries() -> None:
    importers = {
        module_name(p)
        for p in modules(PACKAGE)
        if {n.split(".")[0] for n in imports(p)} & (INGEST_ONLY | {"httpx"})
    }
    assert importers <= set(ids(INGEST)), importers - set(ids(INGEST))


@pytest.mark.parametrize("path", CLUSTER, ids=ids(CLUSTER))
def test_the_cluster_imports_the_core_but_no_edge(path: Path) -> None:
    """Sharding is the core spread over machines: Ray, yes; Telegram, the CLI, ingest, no."""
    found = imports(path)
    assert not {n.split(".")[0] for n in found} & (NETWORK_OR_EDGE | INGEST_ONLY)
    allowed = ("bot.cluster", "bot.search", "bot.config", "bot.errors")
    outside = {n for n in internal(found) if not n.startswith(allowed)}
    assert outside <= {"bot", "bot.__version__"}, outside


def test_only_the_cluster_imports_ray() -> None:
    importers = {
        module_name(p) for p in modules(PACKAGE) if "ray" in {n.split(".")[0] for n in imports(p)}
    }
    assert importers <= set(ids(CLUSTER)), importers - set(ids(CLUSTER))
    assert importers  # the check sees the imports inside functions too


def test_only_ingestion_and_the_core_identify_languages() -> None:
    importers = {
        module_name(p)
        for p in modules(PACKAGE)
        if {n.split(".")[0] for n in imports(p)} & LANGUAGE_ID
    }
    assert importers == {"bot.ingest.extract", "bot.search.languages.detect"}


@pytest.mark.parametrize("path", TELEGRAM_EDGE, ids=ids(TELEGRAM_EDGE))
def test_the_telegram_edge_never_imports_the_cli(path: Path) -> None:
    assert not {n for n in internal(imports(path)) if n.startswith("bot.cli")}


def test_only_the_telegram_edge_imports_telegram() -> None:
    importers = {
        module_name(p)
        for p in modules(PACKAGE)
        if "telegram" in {n.split(".")[0] for n in imports(p)}
    }
    assert importers <= set(ids(TELEGRAM_EDGE)), importers - set(ids(TELEGRAM_EDGE))


def test_the_checker_sees_a_banned_import(tmp_path: Path) -> None:
    """The rules can fail: a core module importing telegram and the CLI would be caught."""
    probe = tmp_path / "probe.py"
    probe.write_text("from telegram import Update\nfrom ..cli import main\nfrom . import bm25\n")
    found = imports(probe, "bot.search.probe")
    assert {"telegram", "bot.cli", "bot.search.bm25"} <= found
