"""5. Package size: the shared layer and each function as Lambda unpacks them.

The layer is built by the make target `sam build` runs for it (layers/shared/Makefile, BuildMethod
makefile): its requirements as `manylinux2014_aarch64` binary wheels for python3.12 into `python/`,
less boto3 and its dependencies (the Lambda runtime has them), plus the layer's own source.
"""

import io
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Iterable
from pathlib import Path

from benchmarks.report import ROOT, Row, verdict

SECTION = "5 package size"
LAYER_GOAL_MB = 30.0


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


def build_layer(target: Path) -> None:
    """`python/` of the layer, built by the same make target `sam build` runs (layers/shared/Makefile)."""
    subprocess.run(
        [
            "make",
            "--no-print-directory",
            "-C",
            str(ROOT / "layers" / "shared"),
            "build-SharedLayer",
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


def run() -> list[Row]:
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-layer-") as tmp:
        target = Path(tmp)
        try:
            build_layer(target)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as error:
            detail = getattr(error, "stderr", "") or str(error)
            rows.append(
                Row(
                    SECTION,
                    "shared layer (make build-SharedLayer)",
                    "unavailable",
                    verdict="n/a",
                    details={"error": detail[-2000:]},
                )
            )
        else:
            size = _size(target)
            packages = _top_level(target / "python")
            shipped_boto = sorted(p for p in packages if p.split("-")[0] in ("boto3", "botocore", "s3transfer"))
            largest = ", ".join(f"{name} {size / 1e6:.1f}" for name, size in list(packages.items())[:4])
            rows.append(
                Row(
                    section=SECTION,
                    case="shared layer, unzipped (make build-SharedLayer: arm64, py3.12)",
                    measured=_mb(size),
                    reference=f"zipped {_mb(_zipped(target))}; largest MB: {largest}",
                    ratio=size / (LAYER_GOAL_MB * 1e6),
                    goal=f"≤ {LAYER_GOAL_MB:.0f} MB",
                    verdict=verdict(size <= LAYER_GOAL_MB * 1e6 and not shipped_boto),
                    details={"bytes": size, "packages": packages, "boto_shipped": shipped_boto},
                )
            )
    for function in sorted(p for p in (ROOT / "functions").iterdir() if p.is_dir() and (p / "app.py").exists()):
        size = _size(function)
        rows.append(
            Row(
                section=SECTION,
                case=f"function {function.name}, unzipped",
                measured=f"{size / 1e3:.1f} KB",
                reference="code only: dependencies are in the layer",
                goal="",
                verdict="ok",
                details={"bytes": size, "files": sorted(str(p.relative_to(function)) for p in _files(function))},
            )
        )
    return rows
