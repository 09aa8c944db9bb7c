"""`export-api-sandbox` (the console script) as a test suite in another language starts it: the JSON
line's credentials work, a taken port exits 1 with a message, SIGTERM stops it cleanly."""

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow

COMMAND = Path(sys.executable).with_name("export-api-sandbox")


def wait_for(path: Path, process: subprocess.Popen[str], timeout: float = 60.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert process.poll() is None, process.communicate()[1]
        assert time.monotonic() < deadline, "the sandbox wrote no JSON line"
        time.sleep(0.05)
    document: dict[str, str] = json.loads(path.read_text())
    return document


def test_the_command_serves_with_the_credentials_it_prints_and_stops_on_sigterm(tmp_path: Path) -> None:
    output = tmp_path / "sandbox.json"
    process = subprocess.Popen(
        [str(COMMAND), "--output", str(output)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        sandbox = wait_for(output, process)
        assert output.stat().st_mode & 0o777 == 0o600
        base = sandbox["baseUrl"]
        company = sandbox["companyId"]
        bearer = {"Authorization": f"Bearer {sandbox['bearerToken']}"}
        assert httpx.get(f"{base}/v3/export-jobs", headers=bearer).status_code == 200
        assert httpx.get(f"{base}/v3/export-jobs", auth=(sandbox["apiKey"], "")).status_code == 200
        admin = {"Authorization": f"Bearer {sandbox['adminToken']}"}
        made = httpx.post(
            f"{base}/admin/test-helpers/companies/{company}/export-jobs",
            headers=admin,
            json={"entries": [{"type": "mileage", "count": 2}]},
        )
        assert made.status_code == 201, made.text
        job = httpx.get(f"{base}/v3/export-jobs/{made.json()['data']['id']}", headers=bearer).json()["data"]
        assert (job["status"], job["numberOfItems"]) == ("pending", 2)

        port = base.rsplit(":", 1)[1]
        taken = subprocess.run([str(COMMAND), "--port", port], capture_output=True, text=True, timeout=60, check=False)
        assert taken.returncode == 1
        assert f"cannot listen on 127.0.0.1:{port}" in taken.stderr
        assert "--port" in taken.stderr
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
