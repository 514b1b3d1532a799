"""``python -m indexer``: validate the knowledge files, build the index, search it.

    python -m indexer validate [--source DIR] [--strict]
    python -m indexer build [--source DIR] [--out DIR] [--force]
    python -m indexer search "text" [--k N] [--crime-type T] [--kind K] [--effect E] [--json]
    python -m indexer search --batch FILE|-   (JSON lines in, one JSON result per line out)

``--source`` defaults to KNOWLEDGE_DIR and ``--out`` to INDEX_DIR (see the README).
Exit status: 0 on success, 1 when validation fails under --strict or a build fails, 2 for
bad arguments or configuration.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import IO, Any, Iterable

from indexer.build import BuildError, build
from indexer.embedder import EmbedderError, load_embedder
from indexer.query_embedder import load_query_embedder
from indexer.entries import EFFECTS, KINDS, load_entries
from indexer.search import IndexNotFound, KnowledgeIndex, Searcher
from indexer.slang import Slang, SlangError, slang_path
from indexer.taxonomy import Taxonomy, TaxonomyError, taxonomy_path


def _defaults(env: dict[str, str]) -> dict[str, str]:
    return {
        "source": env.get("KNOWLEDGE_DIR") or "knowledge/entries",
        "out": env.get("INDEX_DIR") or "data/index",
        "model": env.get("EMBEDDING_MODEL") or "all-MiniLM-L6-v2",
        "models": env.get("MODEL_CACHE_DIR") or "data/models",
    }


def _parser(defaults: dict[str, str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description="The Hub's knowledge index.")
    commands = parser.add_subparsers(dest="command", required=True)

    validate = commands.add_parser("validate", help="check every knowledge file and report each problem")
    validate.add_argument("--source", default=defaults["source"], help="knowledge folder (KNOWLEDGE_DIR)")
    validate.add_argument("--strict", action="store_true", help="exit 1 if there is any problem")

    build_cmd = commands.add_parser("build", help="build and publish a new index version")
    build_cmd.add_argument("--source", default=defaults["source"], help="knowledge folder (KNOWLEDGE_DIR)")
    build_cmd.add_argument("--out", default=defaults["out"], help="index folder (INDEX_DIR)")
    build_cmd.add_argument("--force", action="store_true", help="publish even if nothing changed")
    build_cmd.add_argument("--strict", action="store_true", help="publish nothing if any file has a problem")

    search = commands.add_parser("search", help="search the published index as the bot does")
    search.add_argument("text", nargs="?", help="the question")
    search.add_argument("--batch", metavar="FILE", help="JSON lines of questions; '-' reads standard input")
    search.add_argument("--index", default=defaults["out"], help="index folder (INDEX_DIR)")
    search.add_argument("--k", type=int, default=5, help="how many results (default 5)")
    search.add_argument("--crime-type", help="only entries with this taxonomy term")
    search.add_argument("--kind", choices=KINDS, help="only research or only practice")
    search.add_argument("--effect", choices=EFFECTS, help="only entries with this effect")
    search.add_argument("--json", action="store_true", help="print JSON")
    for sub in (build_cmd, search):
        sub.add_argument("--model", default=defaults["model"], help="embedding model (EMBEDDING_MODEL)")
        sub.add_argument("--models", default=defaults["models"], help="model cache folder (MODEL_CACHE_DIR)")
    return parser


def _taxonomy(source: Path) -> Taxonomy:
    return Taxonomy.load(taxonomy_path(source))


def cmd_validate(args: argparse.Namespace, out: IO[str]) -> int:
    source = Path(args.source)
    if not source.is_dir():
        print(f"error: the knowledge folder {source} does not exist", file=sys.stderr)
        return 2
    result = load_entries(source, _taxonomy(source))
    glossary = slang_path(source)
    Slang.load(glossary)  # an unreadable glossary stops here with its path and reason
    for problem in result.problems:
        print(problem, file=out)
    errors = len(result.errors)
    print(
        f"{result.files} files: {len(result.entries)} valid entries, {errors} errors, "
        f"{len(result.problems) - errors} warnings",
        file=out,
    )
    return 1 if args.strict and result.problems else 0


def cmd_build(args: argparse.Namespace, out: IO[str]) -> int:
    source = Path(args.source)
    if args.strict:
        check = load_entries(source, _taxonomy(source)) if source.is_dir() else None
        if check is not None and check.problems:
            for problem in check.problems:
                print(problem, file=out)
            print(f"not built: {len(check.problems)} problems (--strict)", file=out)
            return 1
    embedder = load_embedder(args.model, cache_dir=args.models, threads=max(1, os.cpu_count() or 1))
    report = build(source, Path(args.out), embedder, model=args.model, progress=True, force=args.force)
    for problem in report.problems:
        print(problem, file=out)
    print(report.summary, file=out)
    return 0


def _questions(handle: IO[str]) -> Iterable[tuple[int, dict[str, Any] | None, str | None]]:
    for number, line in enumerate(handle, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"not JSON: {exc.msg}"
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str) or not item["text"].strip():
            yield number, None, 'expected an object with "text"'
            continue
        yield number, item, None


def cmd_search(args: argparse.Namespace, out: IO[str]) -> int:
    if bool(args.text) == bool(args.batch):
        print('error: give either a question or --batch FILE', file=sys.stderr)
        return 2
    if args.k < 1 or args.k > 50:
        print("error: --k must be between 1 and 50", file=sys.stderr)
        return 2
    index = KnowledgeIndex.load_current(Path(args.index))
    if args.crime_type and args.crime_type not in index.taxonomy:
        print(f"error: --crime-type {args.crime_type!r} is not a taxonomy term", file=sys.stderr)
        return 2
    searcher = Searcher(index, load_query_embedder(args.model, cache_dir=args.models,
                                                   precision=os.environ.get("QUERY_PRECISION") or "auto"))
    if args.batch:
        handle = sys.stdin if args.batch == "-" else open(args.batch, encoding="utf-8")
        with handle:
            status = 0
            for number, item, error in _questions(handle):
                if item is None:  # the line's error says why
                    print(json.dumps({"line": number, "error": error}), file=out)
                    status = 1
                    continue
                crime_type = item.get("crime_type") or None
                kind = item.get("kind") or None
                if (crime_type and crime_type not in index.taxonomy) or (kind and kind not in KINDS):
                    print(json.dumps({"line": number, "error": "unknown crime_type or kind"}), file=out)
                    status = 1
                    continue
                result = searcher.search(item["text"], k=int(item.get("k") or args.k), crime_type=crime_type,
                                         kind=kind, effect=item.get("effect") or None)
                print(json.dumps(result.as_json(), ensure_ascii=False), file=out, flush=True)
        return status
    result = searcher.search(args.text, k=args.k, crime_type=args.crime_type, kind=args.kind, effect=args.effect)
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False), file=out)
        return 0
    if result.no_good_match:
        print(f"No good match in the knowledge base (probability that it answers {result.probability:.2f}, "
              f"below {searcher.no_match.threshold:.2f}); the closest entries:", file=out)
    else:
        print(f"Probability that the knowledge base answers this: {result.probability:.2f}", file=out)
    for n, hit in enumerate(result.results, 1):
        badges = ", ".join(filter(None, [hit.kind, hit.entry.get("effect"), hit.entry.get("quality")]))
        print(f"{n}. {hit.title} [{badges}] {hit.id} (score {hit.score:.3f}, similarity {hit.similarity:.3f})", file=out)
    return 0


def main(argv: list[str] | None = None, *, env: dict[str, str] | None = None, out: IO[str] = sys.stdout) -> int:
    args = _parser(_defaults(dict(os.environ) if env is None else env)).parse_args(argv)
    try:
        return {"validate": cmd_validate, "build": cmd_build, "search": cmd_search}[args.command](args, out)
    except (TaxonomyError, SlangError, EmbedderError, IndexNotFound) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BuildError as exc:
        print(f"build failed, the previous index is still served: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
