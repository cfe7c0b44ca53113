"""commcentre installed from its wheel, outside a checkout: the packaged config and templates are
there, the embedded database lives under the XDG data folder (private), and the console starts,
searches and quits.

The wheel is built from this checkout and installed (``--no-deps``) into a fresh virtual
environment in a temporary folder; its dependencies are those of the environment running the
tests, seen through a ``.pth`` line, so the test does not download them again. Nothing of the
checkout is on the installed command's path: if the wheel lacked a file, this test would fail.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.pty_console import ROOT, PtyConsole, until

#: Safety net for each command (a failure, not a timing goal).
COMMAND_TIMEOUT = 300


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv with only the wheel installed; returns its ``bin`` folder."""
    base = tmp_path_factory.mktemp("wheel")
    # Built from a copy: a build writes into its source folder (build/, *.egg-info), and two test
    # processes may build at once.
    source = base / "source"
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "build",
            "dist",
            "*.egg-info",
            "__pycache__",
            ".hypothesis",
            "*.db",
            "*.db-*",
            "*.lock",
            "ssh_host_key*",
            "preferences",
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "-q",
            str(source),
            "-w",
            str(base / "dist"),
        ],
        check=True,
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
    )
    (wheel,) = (base / "dist").glob("commcentre-*.whl")
    venv = base / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--without-pip", str(venv)],
        check=True,
        timeout=COMMAND_TIMEOUT,
    )
    python = venv / "bin" / "python"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(python),
            "install",
            "-q",
            "--no-deps",
            str(wheel),
        ],
        check=True,
        capture_output=True,
        timeout=COMMAND_TIMEOUT,
    )
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    Path(purelib, "_test_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def user_env(home: Path) -> dict[str, str]:
    """A user of the installed package: own home, no commcentre or test settings, no checkout."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("COMMCENTRE_", "XDG_", "PYTHONPATH", "PYTEST", "TEXTUAL"))
    }
    env.update(HOME=str(home), USER="wheeluser", LOGNAME="wheeluser")
    return env


def commcentre(bin_dir: Path, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(bin_dir / "commcentre"), *args],
        cwd=home,
        env=user_env(home),
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
    )


def test_the_wheel_brings_its_config_templates_and_data_folder(
    installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    where = commcentre(installed, home, "config", "path", "--json")
    assert where.returncode == 0, where.stderr
    found = json.loads(where.stdout)
    assert found["installed_as"] == "package"
    assert found["config"].endswith("commcentre_tui/defaults/config.toml")
    assert str(ROOT) not in where.stdout  # nothing from the checkout
    data = home / ".local" / "share" / "commcentre"
    assert found["database"] == f"sqlite:///{data / 'commcentre.db'}"

    upgraded = commcentre(installed, home, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert (data / "commcentre.db").is_file()
    assert data.stat().st_mode & 0o777 == 0o700

    listed = commcentre(installed, home, "templates", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    names = {json.loads(line)["name"] for line in listed.stdout.splitlines()}
    assert {"Overdue reminder", "Bill notification"} <= names

    # A config of the user's own is found in the XDG folder, and a broken one is named.
    user_config = home / ".config" / "commcentre" / "config.toml"
    user_config.parent.mkdir(parents=True)
    user_config.write_text('[email]\nport = "lots"\n', encoding="utf-8")
    broken = commcentre(installed, home, "db", "status")
    assert broken.returncode == 2 and str(user_config) in broken.stderr
    assert "Traceback" not in broken.stderr


def test_the_installed_console_starts_with_demo_data_searches_and_quits(
    installed: Path, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    env = user_env(home)
    with PtyConsole(
        None, argv=[str(installed / "commcentre")], cwd=home, env=env, cols=80, rows=24
    ) as console:
        console.wait_for("f10 Actions")  # the first start created the demo data
        until(
            lambda: console.cursor[1] == console.row_of("Search"),
            what="the cursor in the search bar",
            console=console,
        )
        console.type("O'Brien")
        console.wait_for("O'Brien")
        console.press("enter")  # one match loads the customer
        console.wait_for("Siobhán")
        console.wait_for("Balance ")
        console.press("ctrl+q")
        assert console.process.wait(COMMAND_TIMEOUT) == 0, console.text
    assert (home / ".local" / "share" / "commcentre" / "commcentre.db").is_file()
