from export_api.repositories.health import table_problem
from export_api.settings import Settings


class HealthService:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def check(self) -> list[str]:
        """Problems found reading each table with one key read (never a scan)."""
        probes = [
            (self.settings.required("jobs_table_name"), {"pk": "HEALTH"}),
            (self.settings.required("items_table_name"), {"pk": "HEALTH", "sk": "HEALTH"}),
        ]
        return [problem for name, key in probes if (problem := table_problem(name, key))]
