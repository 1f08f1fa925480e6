"""``manage.py bench_reflag`` runs end to end on a small scale and reports what it
promises. Speed itself is never asserted here: it is read from the JSON."""

import json
import os
import subprocess
import sys

from django.conf import settings


def run_bench(tmp_path, *args):
    """The command in its own process, as it is run by hand, with the project's
    database pointed at a file that must never come into being."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'project.sqlite3'}",
    }
    command = [sys.executable, str(settings.BASE_DIR / "manage.py"), "bench_reflag", *args]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert not (tmp_path / "project.sqlite3").exists()  # the project's database untouched
    return json.loads(done.stdout)


def test_bench_reflag_runs_two_sizes_and_prints_ratios(tmp_path):
    keep = tmp_path / "kept"
    report = run_bench(
        tmp_path,
        *("--declarations", "100", "--declarations", "200"),
        *("--withdraw", "5", "--standards", "300", "--db", str(keep)),
    )
    assert [run["declarations"] for run in report["runs"]] == [100, 200]
    assert report["ratio"]["declarations"] == 2.0
    assert {"affected", "seconds", "seconds_per_1000_affected"} <= set(report["ratio"])
    for run in report["runs"]:
        assert {"declarations", "withdrawn", "affected", "seconds", "notifications"} <= set(run)
        assert run["withdrawn"] == 5
        assert run["build"]["declarations"] == run["declarations"]
        assert run["build"]["enterprises"] == 2000
        assert 1 <= run["build"]["references"] / run["declarations"] <= 4
        assert set(run["build"]["citations"]) == {"dated_current", "undated", "dated_outdated"}
        # Every withdrawn standard is cited, so something is affected and flagged (an
        # undated reference may still resolve to another edition in force: not flagged).
        assert run["affected"] >= 1
        assert 1 <= run["flagged"] == run["flagged_total"] <= run["affected"]
        assert run["notifications"] >= run["enterprises"] >= 1
        assert run["emails"] == run["notifications"]  # every bench user has an address
        assert set(run["breakdown"]) >= {"find", "check", "write", "notify", "commit"}
        assert run["seconds"] > 0
        assert run["bar"]["seconds_le_10_at_1m"]["applies"] is False
    assert len(list(keep.glob("*.sqlite3"))) == 2  # --db keeps the synthetic databases
