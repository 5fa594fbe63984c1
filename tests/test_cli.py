"""The command line: help, python -m, config file and overrides, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import record

from digest.cli import main


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "digest", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=60)


def test_help_explains_commands_and_exit_codes():
    result = run("--help")
    assert result.returncode == 0
    assert "build" in result.stdout and "check" in result.stdout and "exit status" in result.stdout
    build_help = run("build", "--help").stdout
    for option in ("--config", "--content", "--output", "--base-url", "--report"):
        assert option in build_help


def test_config_file_and_overrides(make_site, tmp_path):
    config = make_site({"a.txt": record(title="Configured")})
    (tmp_path / "digest.toml").write_text(
        'title = "My Digest"\nbase_url = "https://one.example/"\npage_size = 5\n')
    result = run("build", "--config", str(tmp_path / "digest.toml"), "--base-url",
                 "https://two.example/sub", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    home = (config.output / "index.html").read_text()
    assert "My Digest" in home and 'href="https://two.example/sub/"' in home


def test_unknown_config_key_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "digest.toml").write_text("titel = 'typo'\n")
    assert main(["build", "--config", str(tmp_path / "digest.toml")]) == 2
    assert "unknown setting 'titel'" in capsys.readouterr().err


def test_a_base_url_that_is_no_web_address_is_a_clear_error(tmp_path, capsys):
    (tmp_path / "digest.toml").write_text("base_url = 'https://[example.org/'\n")
    assert main(["build", "--config", str(tmp_path / "digest.toml")]) == 2
    assert "base_url must be an absolute http(s) URL" in capsys.readouterr().err
    assert main(["check", "--base-url", "https://example.org::/"]) == 2
    assert "--base-url: base_url must be" in capsys.readouterr().err


def test_check_writes_nothing_and_exits_by_severity(make_site, tmp_path):
    config = make_site({"bad.txt": "---\ntitle: [oops\n---\n", "ok.txt": record(title="Fine")})
    report = tmp_path / "report.json"
    code = main(["check", "--content", str(config.content), "--report", str(report)])
    assert code == 1
    assert not config.output.exists()
    assert [d["code"] for d in json.loads(report.read_text())["diagnostics"]] == ["D108"]


def test_build_strict_refuses_to_write_with_errors(make_site):
    config = make_site({"bad.txt": "---\ntitle: [oops\n---\n"})
    code = main(["build", "--strict", "--content", str(config.content),
                 "--output", str(config.output)])
    assert code == 1 and not config.output.exists()
