"""The repository explains itself: every relative path its code and docs name is a file it holds, and
nothing cites a document a clone does not have, or an issue tracker's numbers."""

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Where a path named in a file may be relative to, besides the file's own directory: the repository, the
#: layer's import root and its package (code names modules as `export_api/...` or `repositories/...`),
#: and the roots of the functions, the benchmarks and the two installable packages.
BASES = (
    ROOT,
    ROOT / "layers" / "shared",
    ROOT / "layers" / "shared" / "export_api",
    ROOT / "functions",
    ROOT / "benchmarks",
    ROOT / "clients" / "python",
    ROOT / "connector",
)

#: Made at run time, not held: `make run`'s demo credentials.
GENERATED = (".local/",)

TEXT_SUFFIXES = {".py", ".md", ".yaml", ".yml", ".toml", ".txt", ".sh", ".ts", ".html", ".cfg", ".json"}
TEXT_NAMES = {"Makefile", "run"}

#: A relative path with at least one directory, ending in a file extension; not part of a URL or of a
#: longer path (an absolute one, or one inside a package name).
PATH = re.compile(
    r"(?<![\w./:@~-])((?:\.\./)*(?:[\w.-]+/)+[\w.-]+\.(?:py|md|yaml|yml|json|toml|txt|sh|ts|png|html|cfg|ini))\b"
)

#: Documents that live outside the repository, and issue numbers (git log holds the history).
FOREIGN = re.compile(r"\b(?:notes|design|style)\.md\b|\.\./shared\b|\bissue [0-9]", re.IGNORECASE)

#: The one test allowed to look beside the clone for the published structure (skipping when it is absent).
MAY_LOOK_BESIDE = {"tests/test_published_contract.py"}


def tracked_text_files() -> list[Path]:
    try:
        listed = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("not a git checkout: the tracked files are unknown")
    paths = [ROOT / name for name in listed.splitlines()]
    return [path for path in paths if path.is_file() and (path.suffix in TEXT_SUFFIXES or path.name in TEXT_NAMES)]


def named_paths(path: Path) -> list[tuple[int, str]]:
    text = path.read_text(encoding="utf-8", errors="replace")
    return [
        (text.count("\n", 0, match.start()) + 1, match.group(1))
        for match in PATH.finditer(text)
        if not match.group(1).startswith(GENERATED)
    ]


def exists(named: str, beside: Path) -> bool:
    return any((base / named).exists() for base in (beside, *BASES))


def test_every_relative_path_named_exists() -> None:
    missing = [
        f"{path.relative_to(ROOT)}:{line}: {named}"
        for path in tracked_text_files()
        # Benchmark results quote what a run saw, paths of that day included; this file names examples.
        if path.suffix != ".json" and path != Path(__file__).resolve()
        for line, named in named_paths(path)
        if not exists(named, path.parent)
    ]
    assert not missing, "paths named that the repository does not hold:\n" + "\n".join(missing)


def test_nothing_cites_documents_outside_the_repository() -> None:
    citations = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}"
        for path in tracked_text_files()
        if str(path.relative_to(ROOT)) not in MAY_LOOK_BESIDE and path != Path(__file__).resolve()
        for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), start=1)
        if FOREIGN.search(line)
    ]
    assert not citations, "cite docs/ instead, in the project's own words:\n" + "\n".join(citations)


def test_the_path_finder_finds_what_it_must(tmp_path: Path) -> None:
    """The scanner's own check: it sees a named path, a missing one, and leaves URLs alone."""
    sample = tmp_path / "sample.md"
    sample.write_text(
        "See docs/decisions.md and docs/nowhere.md; not https://example.com/a/b.md nor /abs/olute.py.\n"
        "Also `export_api/http/app.py` and (spec/export-api.openapi.yaml).\n"
    )
    found = [named for _, named in named_paths(sample)]
    assert found == ["docs/decisions.md", "docs/nowhere.md", "export_api/http/app.py", "spec/export-api.openapi.yaml"]
    assert [named for named in found if not exists(named, tmp_path)] == ["docs/nowhere.md"]
    # Built from parts, so that this file does not hold what it looks for.
    assert FOREIGN.search("as " + "notes" + ".md §2 says")
    assert FOREIGN.search("since Issue " + "13")
    assert not FOREIGN.search("an issue with 3 items")
