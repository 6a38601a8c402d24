"""scripts/start.py's command lines, parsed by the real management commands' parsers."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from django.core.management import load_command_class

ROOT = Path(__file__).resolve().parent.parent


def _load_start():
    sys.path.insert(0, str(ROOT / "scripts"))
    spec = importlib.util.spec_from_file_location("sendsupport_launcher_start", ROOT / "scripts" / "start.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


start = _load_start()


# token_urlsafe draws from A-Z a-z 0-9 - _, so a generated password starts with "-" 1 time in 64:
# CI once failed on exactly that ("argument --password: expected one argument").
@pytest.mark.parametrize("password", ["-Xq3_b9", "--looks-like-an-option", "plain_Token-1"])
def test_app_role_password_reaches_the_command_whatever_its_first_character(password):
    argv = start.app_role_argv(password)
    assert argv[1:3] == ["manage.py", "setup_app_role"]
    command = load_command_class("sendsupport", "setup_app_role")
    options = command.create_parser("manage.py", "setup_app_role").parse_args(argv[3:])
    assert options.password == password


def test_launcher_log_hides_the_password():
    shown = start.shown_command(start.app_role_argv("-secret"))
    assert shown == "manage.py setup_app_role --password=***"
