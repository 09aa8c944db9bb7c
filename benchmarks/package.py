"""5. Package size: each layer and each function as Lambda unpacks them.

Each layer of template.yaml is built by the make target `sam build` runs for it (layers/<layer>/Makefile,
BuildMethod makefile): its lock as `manylinux2014_aarch64` binary wheels for python3.12 into `python/`,
less what the Lambda runtime has and the files no import reads, plus, for the shared layer, its own
source. A function's deployed size is its code plus the layers the template gives it (Globals' and its
own): what Lambda downloads and unpacks at a cold start. API functions (those API Gateway invokes for
the API's routes) have a goal of 15 MB, the others 25 MB.
"""

import io
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from benchmarks.report import ROOT, Row, verdict
from export_api_local.template import load_template, resources_of_type

SECTION = "5 package size"
API_FUNCTION_GOAL_MB = 15.0
OTHER_FUNCTION_GOAL_MB = 25.0


def _files(root: Path) -> Iterable[Path]:
    for path in root.rglob("*"):
        if path.is_file() and not any(part.endswith(("__pycache__", ".egg-info")) for part in path.parts):
            yield path


def _size(root: Path) -> int:
    return sum(p.stat().st_size for p in _files(root))


def _zipped(root: Path) -> int:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(root):
            archive.write(path, path.relative_to(root))
    return buffer.tell()


def _mb(size: int) -> str:
    return f"{size / 1e6:.2f} MB"


def build_layer(layer: str, content: Path, target: Path) -> None:
    """`python/` of the layer, built by the same make target `sam build` runs (layers/<layer>/Makefile)."""
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(content),
            f"build-{layer}",
            f"ARTIFACTS_DIR={target}",
            f"PYTHON={sys.executable}",
        ],
        check=True,
        capture_output=True,
        text=True,
        timeout=300,
    )


def _top_level(python: Path) -> dict[str, int]:
    sizes: dict[str, int] = {}
    for child in python.iterdir():
        if child.name.endswith(".dist-info") or child.name == "bin":
            continue
        sizes[child.name] = _size(child) if child.is_dir() else child.stat().st_size
    return dict(sorted(sizes.items(), key=lambda kv: -kv[1]))


def _ref(value: Any) -> str:
    return str(value["Ref"]) if isinstance(value, dict) else str(value)


def function_layers() -> dict[str, tuple[Path, tuple[str, ...], bool]]:
    """Each function of the template: its code, its layers (Globals' first) and whether it is an API
    function (an `Api` event)."""
    shared = [_ref(layer) for layer in load_template()["Globals"]["Function"].get("Layers", [])]
    found = {}
    for name, properties in sorted(resources_of_type("AWS::Serverless::Function").items()):
        layers = tuple(shared + [_ref(layer) for layer in properties.get("Layers", [])])
        api = any(event["Type"] == "Api" for event in properties.get("Events", {}).values())
        found[name] = (ROOT / properties["CodeUri"], layers, api)
    return found


def _layer_row(layer: str, target: Path) -> Row:
    size = _size(target)
    packages = _top_level(target / "python")
    shipped_boto = sorted(p for p in packages if p.split("-")[0] in ("boto3", "botocore", "s3transfer"))
    largest = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in list(packages.items())[:4])
    return Row(
        section=SECTION,
        case=f"layer {layer}, unzipped (make build-{layer}: arm64, py3.12)",
        measured=_mb(size),
        reference=f"zipped {_mb(_zipped(target))}; largest MB: {largest}",
        goal="no boto3/botocore",
        verdict=verdict(not shipped_boto),
        details={"bytes": size, "packages": packages, "boto_shipped": shipped_boto},
    )


def run() -> list[Row]:
    rows = []
    layer_sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-layers-") as tmp:
        for layer, properties in sorted(resources_of_type("AWS::Serverless::LayerVersion").items()):
            target = Path(tmp) / layer
            try:
                build_layer(layer, ROOT / properties["ContentUri"], target)
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
                detail = getattr(error, "stderr", "") or str(error)
                rows.append(
                    Row(
                        SECTION,
                        f"layer {layer} (make build-{layer})",
                        "unavailable",
                        verdict="n/a",
                        details={"error": detail[-2000:]},
                    )
                )
                continue
            layer_sizes[layer] = _size(target)
            rows.append(_layer_row(layer, target))
    for name, (code, layers, api) in function_layers().items():
        code_size = _size(code)
        goal_mb = API_FUNCTION_GOAL_MB if api else OTHER_FUNCTION_GOAL_MB
        known = all(layer in layer_sizes for layer in layers)
        size = code_size + sum(layer_sizes.get(layer, 0) for layer in layers)
        rows.append(
            Row(
                section=SECTION,
                case=f"function {name}{' (API)' if api else ''}: code + layers, unzipped",
                measured=_mb(size) if known else "unavailable",
                reference=f"code {code_size / 1e3:.1f} KB + {' + '.join(layers)}",
                ratio=size / (goal_mb * 1e6) if known else None,
                goal=f"≤ {goal_mb:.0f} MB",
                verdict=verdict(size <= goal_mb * 1e6) if known else "n/a",
                details={
                    "bytes": size,
                    "code_bytes": code_size,
                    "layers": {layer: layer_sizes.get(layer) for layer in layers},
                    "api_function": api,
                    "files": sorted(str(p.relative_to(code)) for p in _files(code)),
                },
            )
        )
    return rows
