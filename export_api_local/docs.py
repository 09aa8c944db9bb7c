"""Swagger UI for the contract and the project's admin API, served locally.

The Swagger UI assets come from the PyPI package `swagger-ui-bundle` (no CDN). The specs are served
with `servers` pointing at the local gateway, so "Try it out" calls this service.
"""

import importlib
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from export_api_local.template import ROOT

CONTRACT = ROOT / "spec" / "export-api.openapi.yaml"
ADMIN_SPEC = ROOT / "docs" / "admin-api.openapi.yaml"

SPECS: dict[str, tuple[str, Path]] = {
    "export-api": ("Pleo Export API (the contract)", CONTRACT),
    "admin-api": ("Export API admin (this project)", ADMIN_SPEC),
}


def swagger_ui_assets() -> Path | None:
    """Swagger UI's dist folder, from the PyPI package swagger-ui-bundle."""
    try:
        bundle = importlib.import_module("swagger_ui_bundle")
    except ImportError:
        return None
    return Path(bundle.swagger_ui_path)


@cache
def _load(path: Path) -> dict[str, Any]:
    with path.open() as handle:
        spec: dict[str, Any] = yaml.safe_load(handle)
    return spec


def available_specs() -> dict[str, tuple[str, Path]]:
    return {key: (title, path) for key, (title, path) in SPECS.items() if path.is_file()}


def spec_for(key: str, base_url: str) -> dict[str, Any] | None:
    """The named spec with `servers` replaced by the local gateway's URL."""
    entry = available_specs().get(key)
    if entry is None:
        return None
    return {**_load(entry[1]), "servers": [{"url": base_url, "description": "This local service (make run)"}]}


def swagger_page(primary: str) -> str:
    specs = available_specs()
    urls = ",\n".join(f'{{url: "/openapi/{key}.json", name: "{title}"}}' for key, (title, _) in specs.items())
    primary_name = specs.get(primary, next(iter(specs.values()), ("", Path())))[0]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Export API - local</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/assets/swagger-ui-standalone-preset.js"></script>
  <script>
    window.ui = SwaggerUIBundle({{
      urls: [{urls}],
      "urls.primaryName": "{primary_name}",
      dom_id: "#swagger-ui",
      deepLinking: true,
      presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
      layout: "StandaloneLayout"
    }});
  </script>
</body>
</html>
"""
