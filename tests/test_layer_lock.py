"""Each layer's requirements are a lock (`make lock`): its requirements.in and everything they pull in,
each pinned to one version with its hashes, so `sam build` installs exactly what was reviewed (pip's
hash-checking mode) and nothing a compromised index could substitute. pyproject.toml's runtime
dependencies (what `make run` and the tests install) are the layers' inputs, and no two layers a function
has ship the same package, so it loads one version of each."""

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from export_api_local.template import ROOT, load_template, resources_of_type

LAYERS = ROOT / "layers"
LAYER_DIRECTORIES = sorted(path.parent for path in LAYERS.glob("*/requirements.in"))


def locked(lock: Path) -> dict[str, tuple[str, list[str]]]:
    """name -> (version, hashes), from the lock's `name==version \\ --hash=...` entries."""
    entries: dict[str, tuple[str, list[str]]] = {}
    text = lock.read_text().replace("\\\n", " ")
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        found = re.fullmatch(r"([A-Za-z0-9_.\-\[\],]+)==(\S+)((?:\s+--hash=sha256:[0-9a-f]{64})+)", line)
        assert found, f"{lock}: not pinned with hashes: {line!r}"
        entries[canonicalize_name(found.group(1).split("[")[0])] = (
            found.group(2),
            re.findall(r"sha256:([0-9a-f]{64})", found.group(3)),
        )
    return entries


def inputs(layer: Path) -> list[Requirement]:
    lines = (line.split("#", 1)[0].strip() for line in (layer / "requirements.in").read_text().splitlines())
    return [Requirement(line) for line in lines if line]


def test_every_layer_of_the_template_has_its_requirements() -> None:
    content = sorted(str(layer["ContentUri"]) for layer in resources_of_type("AWS::Serverless::LayerVersion").values())
    assert content == [str(path.relative_to(ROOT)) for path in LAYER_DIRECTORIES]


@pytest.mark.parametrize("layer", LAYER_DIRECTORIES, ids=lambda path: path.name)
def test_every_requirement_is_pinned_with_hashes(layer: Path) -> None:
    entries = locked(layer / "requirements.txt")
    assert entries
    assert all(hashes for _, hashes in entries.values())


@pytest.mark.parametrize("layer", LAYER_DIRECTORIES, ids=lambda path: path.name)
def test_the_lock_satisfies_the_layers_requirements(layer: Path) -> None:
    entries = locked(layer / "requirements.txt")
    for requirement in inputs(layer):
        name = canonicalize_name(requirement.name)
        assert name in entries, f"{requirement.name} is not in {layer.name}'s lock: run `make lock`"
        assert requirement.specifier.contains(entries[name][0]), f"{requirement}: locked {entries[name][0]}"


def _function_layers() -> dict[str, list[Path]]:
    """Each function of the template: the directories of its layers (Globals' and its own)."""
    template = load_template()
    content = {
        name: ROOT / str(layer["ContentUri"])
        for name, layer in resources_of_type("AWS::Serverless::LayerVersion").items()
    }
    shared = [layer["Ref"] for layer in template["Globals"]["Function"].get("Layers", [])]
    return {
        name: [content[ref] for ref in shared + [layer["Ref"] for layer in function.get("Layers", [])]]
        for name, function in resources_of_type("AWS::Serverless::Function").items()
    }


@pytest.mark.parametrize("function", sorted(_function_layers()))
def test_no_two_layers_of_a_function_ship_the_same_package(function: str) -> None:
    shipped: dict[str, str] = {}
    for layer in _function_layers()[function]:
        for name in locked(layer / "requirements.txt"):
            assert name not in shipped, f"{function}: {name} is in both {shipped[name]} and {layer.name}"
            shipped[name] = layer.name


def test_pyproject_depends_on_the_layers_requirements() -> None:
    """The same requirements, extras and ranges: the tests run against what the layers ship."""
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    declared = sorted(str(Requirement(dependency)) for dependency in dependencies)
    layered = sorted(str(requirement) for layer in LAYER_DIRECTORIES for requirement in inputs(layer))
    assert declared == layered
