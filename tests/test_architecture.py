"""The shape of the code: modules small enough to read in one sitting, and imports that
never go round in a circle, across packages as well as within one (import-linter's contracts
in pyproject.toml check the direction; ``make lint`` runs them)."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCE_PACKAGES = ("bot", "dialogs", "domain", "indexer", "bench", "eval", "manifest")
MAX_LINES = 400


def _source_modules() -> list[Path]:
    return sorted(path for package in SOURCE_PACKAGES for path in (ROOT / package).rglob("*.py"))


def test_no_source_module_is_over_400_lines() -> None:
    sizes = {str(path.relative_to(ROOT)): len(path.read_text().splitlines()) for path in _source_modules()}
    assert sizes, "no source modules found"
    too_long = {name: lines for name, lines in sizes.items() if lines > MAX_LINES}
    assert too_long == {}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    # TYPE_CHECKING imports count: a cycle through them is still a cycle a reader must untangle.
    return grimp.build_graph(*SOURCE_PACKAGES, exclude_type_checking_imports=False)


def cycles_in(graph: grimp.ImportGraph) -> list[str]:
    """Every module that reaches itself again through what it imports, with the way round."""
    found = []
    for module in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported == module:
                continue
            chain = graph.find_shortest_chain(importer=imported, imported=module)
            if chain is not None:
                found.append(" -> ".join((module, *chain)))
    return found


def test_no_module_imports_itself_through_others(graph: grimp.ImportGraph) -> None:
    assert cycles_in(graph) == []


def test_the_cycle_check_sees_a_cycle_across_packages() -> None:
    """The check above is not vacuous: the domain importing the chat layer back is seen."""
    graph = grimp.ImportGraph()
    graph.add_import(importer="bot.handler", imported="domain.users")
    graph.add_import(importer="domain.users", imported="domain.models")
    assert cycles_in(graph) == []
    graph.add_import(importer="domain.models", imported="bot.handler")
    assert "domain.users -> domain.models -> bot.handler -> domain.users" in cycles_in(graph)
