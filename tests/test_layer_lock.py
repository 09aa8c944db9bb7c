"""The shared layer's requirements are a lock (`make lock`): pyproject.toml's runtime dependencies and
everything they pull in, each pinned to one version with its hashes, so `sam build` installs exactly
what was reviewed (pip's hash-checking mode) and nothing a compromised index could substitute."""

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from export_api_local.template import ROOT

LOCK = ROOT / "layers" / "shared" / "requirements.txt"


def locked() -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes), from the lock's `name==version \\ --hash=...` entries."""
    entries: dict[str, tuple[str, list[str]]] = {}
    text = LOCK.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        found = re.fullmatch(r"([A-Za-z0-9_.\-\[\],]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert found, f"not pinned with hashes: {line!r}"
        entries[canonicalize_name(found.group(1).split("[")[0])] = (
            found.group(2),
            re.findall(r"sha256:([0-9a-f]{64})", found.group(3)),
        )
    return entries


def test_every_requirement_is_pinned_with_hashes() -> None:
    entries = locked()
    assert entries
    assert all(hashes for _, hashes in entries.values())


def test_the_lock_satisfies_pyproject() -> None:
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    entries = locked()
    for dependency in map(Requirement, dependencies):
        name = canonicalize_name(dependency.name)
        assert name in entries, f"{dependency.name} is not in the lock: run `make lock`"
        assert dependency.specifier.contains(entries[name][0]), f"{dependency}: locked {entries[name][0]}"
