"""No Docker engine runs here, so check what can be checked: the compose file parses, has the stack,
and every service command of ours is a real `lakoo` CLI command."""

from __future__ import annotations

from pathlib import Path

import yaml
from typer.testing import CliRunner

from serving.cli import app

ROOT = Path(__file__).resolve().parents[2]


def test_compose_file_has_the_stack_and_real_commands():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "api", "worker"} <= set(services)
    runner = CliRunner()
    ours = [s for s in services.values() if s.get("build")]
    assert ours
    for service in ours:
        command = service["command"]
        assert command[0] == "lakoo"
        words = [w for w in command[1:] if not w.startswith("-")]
        two_word = (["db"], ["services"], ["users"], ["events"], ["pipeline"])
        subcommand = words[:2] if words[:1] in two_word else words[:1]
        result = runner.invoke(app, [*subcommand, "--help"])
        assert result.exit_code == 0, (command, result.output)
        for option in (w for w in command[1:] if w.startswith("--")):
            assert option in result.output, (command, option)


def test_dockerfile_runs_the_cli():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile and 'CMD ["lakoo", "serve"' in dockerfile


def test_no_committed_file_names_a_package_index():
    lock = (ROOT / "requirements.lock").read_text()
    assert "--index-url" not in lock and "--extra-index-url" not in lock and "--find-links" not in lock
    assert "://" not in lock
    assert not (ROOT / "uv.lock").exists()
