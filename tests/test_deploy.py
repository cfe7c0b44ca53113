"""deploy/: the systemd units (checked by `systemd-analyze verify` where it exists), the compose
file and the Dockerfile run real `commcentre` commands with arguments the parser accepts."""

from __future__ import annotations

import configparser
import json
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

from commcentre_tui.cli import COMMANDS, build_parser
from commcentre_tui.config import SECRET_KEYS

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "deploy"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
INSTALLED = "/opt/commcentre/bin/commcentre"


def accepted(argv: list[str]) -> str:
    """The command ``commcentre ARGV`` runs, after the real parser accepted every argument."""
    assert argv and argv[0] in COMMANDS, argv
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:
        raise AssertionError(f"`commcentre {shlex.join(argv)}` is refused by the parser") from exc
    return str(args.command)


def unit(path: Path) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=True, empty_lines_in_values=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(path, encoding="utf-8")
    return parser


def test_the_units_run_real_commands_as_a_hardened_service(tmp_path: Path) -> None:
    assert {p.name for p in UNITS} == {
        "commcentre-worker.service",
        "commcentre-cti-bridge.service",
        "commcentre-serve-ssh.service",
        "commcentre-inbound.service",
    }
    commands = set()
    for path in UNITS:
        service = unit(path)["Service"]
        argv = shlex.split(service["ExecStart"])
        assert argv[0] == INSTALLED
        commands.add(accepted(argv[1:]))
        assert service["Restart"] == "on-failure" and service["User"] == "commcentre"
        assert service["EnvironmentFile"] == "/etc/commcentre/env"
        assert service["StateDirectory"] == "commcentre"
        assert (service["NoNewPrivileges"], service["ProtectSystem"]) == ("yes", "strict")
        assert not re.search(r"(PASSWORD|SECRET|TOKEN|API_KEY)=", path.read_text(encoding="utf-8"))
    assert commands == {"worker", "cti-bridge", "serve-ssh", "inbound"}

    analyze = shutil.which("systemd-analyze")
    if analyze is None:  # the parse above is the check on machines without systemd
        return
    # `verify` wants the program to exist: point the units at this environment's commcentre.
    beside = Path(sys.executable).with_name("commcentre")
    program = str(beside) if beside.exists() else shutil.which("commcentre")
    assert program is not None, "no commcentre program to point the units at"
    for path in UNITS:
        (tmp_path / path.name).write_text(
            path.read_text(encoding="utf-8").replace(INSTALLED, program), encoding="utf-8"
        )
    done = subprocess.run(
        [analyze, "verify", *(str(tmp_path / p.name) for p in UNITS)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (done.returncode, done.stderr, done.stdout) == (0, "", "")


def test_compose_runs_the_wheel_with_real_commands() -> None:
    compose = (DEPLOY / "compose.yaml").read_text(encoding="utf-8")
    commands = [
        json.loads(found) for found in re.findall(r"^\s+command: (\[.*\])$", compose, re.MULTILINE)
    ]
    assert {accepted(argv) for argv in commands} == {
        "db",
        "worker",
        "cti-bridge",
        "serve-ssh",
        "inbound",
    }
    assert "image: postgres:15" in compose and "dockerfile: deploy/Dockerfile" in compose
    assert "env_file: .env" in compose and "PASSWORD=" not in compose
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "COPY dist/commcentre-*.whl" in dockerfile and 'ENTRYPOINT ["commcentre"]' in dockerfile
    assert "pip install --no-cache-dir /tmp/wheels/commcentre-*.whl" in dockerfile


def test_the_secrets_file_names_only_known_secrets() -> None:
    known = {
        f"COMMCENTRE_{section.upper().replace('.', '__')}__{key.upper()}"
        for section, key in SECRET_KEYS
    }
    known |= {"COMMCENTRE_DATABASE__URL", "POSTGRES_PASSWORD"}
    names = re.findall(
        r"^#?\s*([A-Z_]+)=", (DEPLOY / "env.example").read_text(encoding="utf-8"), re.MULTILINE
    )
    assert names and set(names) <= known
    assert known - {"COMMCENTRE_DATABASE__URL", "POSTGRES_PASSWORD"} <= set(names)
