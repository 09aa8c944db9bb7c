"""`export-api-connector`: book a company's export jobs into a Beancount ledger.

export-api-connector --demo .local/demo.json --ledger books.beancount --chart chart.toml
export-api-connector --base-url https://... --api-key $KEY --ledger ... --chart ... --watch
"""

import argparse
import json
import os
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from export_api_client import ExportApiClient, models
from export_api_client.errors import ExportApiError
from tqdm import tqdm

from export_api_connector.chart import Chart, ChartError
from export_api_connector.flow import Connector, JobSummary, Progress
from export_api_connector.ledger import Ledger, LedgerBusy

# Below this many items a job is done before a bar would be worth drawing.
PROGRESS_FROM = 50


def _arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="export-api-connector", description=__doc__.splitlines()[0])
    parser.add_argument("--base-url", default=os.environ.get("EXPORT_API_BASE_URL"), help="the API's base URL")
    parser.add_argument("--token", default=os.environ.get("EXPORT_API_TOKEN"), help="a bearer token")
    parser.add_argument("--api-key", default=os.environ.get("EXPORT_API_KEY"), help="an API key (basic auth)")
    parser.add_argument("--company-id", help="the company, when the credential reaches several")
    parser.add_argument("--demo", type=Path, help="make run's demo.json: base URL, company id and bearer token from it")
    parser.add_argument("--company", type=int, default=0, help="with --demo: which demo company (0, 1)")
    parser.add_argument("--ledger", type=Path, required=True, help="the Beancount file to append to")
    parser.add_argument("--chart", type=Path, required=True, help="the chart of accounts (TOML)")
    parser.add_argument("--once", action="store_true", help="process at most one job")
    parser.add_argument("--watch", action="store_true", help="keep polling for new jobs")
    parser.add_argument("--interval", type=float, default=30.0, help="seconds between polls with --watch")
    parser.add_argument("--progress", choices=("auto", "always", "never"), default="auto")
    arguments = parser.parse_args(argv)
    if arguments.demo:
        demo = json.loads(arguments.demo.read_text())
        company = demo["companies"][arguments.company]
        arguments.base_url = arguments.base_url or demo["baseUrl"]
        arguments.company_id = arguments.company_id or company["companyId"]
        if not arguments.api_key:
            arguments.token = arguments.token or company["bearerToken"]
    if not arguments.base_url:
        parser.error("--base-url (or EXPORT_API_BASE_URL, or --demo) is required")
    if bool(arguments.token) == bool(arguments.api_key):
        parser.error("give one credential: --token or --api-key (or EXPORT_API_TOKEN / EXPORT_API_KEY)")
    return arguments


def _progress(mode: str) -> Progress:
    def bar(items: Iterator[models.ExportItemV3], total: int) -> Iterator[models.ExportItemV3]:
        if mode == "never" or (mode == "auto" and total < PROGRESS_FROM):
            return items
        return iter(tqdm(items, total=total, unit="item", disable=None if mode == "auto" else False))

    return bar


def _print(summaries: list[JobSummary], ledger: Path) -> None:
    if not summaries:
        print("no open export job")
    for summary in summaries:
        print("\n".join(summary.lines()))
    print(f"ledger: {ledger}")


def main(argv: Sequence[str] | None = None) -> int:
    arguments = _arguments(argv)
    try:
        chart = Chart.load(arguments.chart)
        with (
            ExportApiClient(arguments.base_url, token=arguments.token, api_key=arguments.api_key) as api,
            Ledger(arguments.ledger, chart) as ledger,
        ):
            connector = Connector(api, ledger, company_id=arguments.company_id, progress=_progress(arguments.progress))
            while True:
                summaries = connector.run(max_jobs=1 if arguments.once else None)
                _print(summaries, arguments.ledger)
                if not arguments.watch:
                    return 0
                time.sleep(arguments.interval)
    except (ChartError, LedgerBusy, ExportApiError) as error:
        print(f"export-api-connector: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("export-api-connector: interrupted; run it again to finish the job", file=sys.stderr)
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
