"""Make this machine ready to run SEND Support, then continue inside the project's virtualenv.

Standard library only: scripts/start.py and scripts/test.py import this with whatever
``python3`` the user has, before any virtualenv exists.

``ensure(tests=False)`` does, in order:

1. checks the Debian libraries WeasyPrint needs (and, for tests, Chromium and pdftoppm);
   installs the missing ones with apt-get when running as root or with passwordless sudo,
   otherwise prints the exact ``sudo apt-get install ...`` line and exits non-zero;
2. creates ``.venv`` if it is missing (or broken);
3. runs ``pip install -r requirements.txt`` when requirements.txt changed since the last
   successful install (its hash is kept in ``.venv/.requirements.sha256``);
4. re-executes the calling script with ``.venv/bin/python`` unless already running in it.

Set ``SENDSUPPORT_SKIP_SYSTEM_PACKAGES=1`` to skip step 1 (e.g. on a non-Debian machine that
already has the libraries under other names).
"""

from __future__ import annotations

import contextlib
import ctypes.util
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
REQUIREMENTS = ROOT / "requirements.txt"
REQUIREMENTS_STAMP = VENV / ".requirements.sha256"
MIN_PYTHON = (3, 11)


def _log(message: str) -> None:
    print(f"[bootstrap] {message}", file=sys.stderr, flush=True)


def _fail(message: str, code: int = 1) -> None:
    print(f"[bootstrap] ERROR: {message}", file=sys.stderr, flush=True)
    raise SystemExit(code)


# --- Debian packages --------------------------------------------------------------------------


def _has_library(name: str):
    return lambda: ctypes.util.find_library(name) is not None


def _has_file(path: str):
    return lambda: Path(path).exists()


def _has_program(name: str):
    return lambda: shutil.which(name) is not None


# Debian package -> how to tell it is there without asking dpkg.
RUN_PACKAGES = {
    "libpango-1.0-0": _has_library("pango-1.0"),
    "libpangoft2-1.0-0": _has_library("pangoft2-1.0"),
    "libharfbuzz-subset0": _has_library("harfbuzz-subset"),
    "fonts-dejavu-core": _has_file("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
}
TEST_PACKAGES = {
    "chromium": _has_file("/usr/bin/chromium"),
    "poppler-utils": _has_program("pdftoppm"),
}


def _dpkg_installed(package: str) -> bool:
    if not shutil.which("dpkg-query"):
        return False
    result = subprocess.run(
        ["dpkg-query", "-W", "-f=${Status}", package],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        check=False,
    )
    return result.returncode == 0 and result.stdout.strip().endswith("install ok installed")


def missing_packages(packages: dict) -> list[str]:
    """Debian packages from ``packages`` that are neither found by their check nor by dpkg."""
    return [name for name, present in packages.items() if not (present() or _dpkg_installed(name))]


def _privilege_prefix() -> list[str] | None:
    """[] when root, ["sudo", "-n"] with passwordless sudo, None when neither."""
    if os.geteuid() == 0:
        return []
    if shutil.which("sudo"):
        ok = subprocess.run(
            ["sudo", "-n", "true"], stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        if ok.returncode == 0:
            return ["sudo", "-n"]
    return None


def install_packages(packages: list[str]) -> None:
    """apt-get install ``packages`` (apt-get update first), or explain what to run and exit."""
    if not packages:
        return
    install_line = "apt-get install -y --no-install-recommends " + " ".join(packages)
    if not shutil.which("apt-get"):
        _fail(
            "these system packages are missing and this is not a Debian/Ubuntu system, so they "
            f"cannot be installed automatically: {' '.join(packages)}.\n"
            "Install the equivalent libraries, or set SENDSUPPORT_SKIP_SYSTEM_PACKAGES=1 "
            "if they are present under other names."
        )
    prefix = _privilege_prefix()
    if prefix is None:
        _fail(
            f"missing system packages: {' '.join(packages)}.\n"
            "Install them, then run this command again:\n\n"
            f"    sudo apt-get update && sudo {install_line}\n"
        )
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    env_prefix = ["env", "DEBIAN_FRONTEND=noninteractive"] if prefix else []
    _log(f"installing system packages: {' '.join(packages)}")
    for command in (
        ["apt-get", "update"],
        ["apt-get", "install", "-y", "--no-install-recommends", *packages],
    ):
        result = subprocess.run(
            [*prefix, *env_prefix, *command], env=env, stdin=subprocess.DEVNULL, check=False
        )
        if result.returncode != 0:
            _fail(f"`{' '.join(command)}` failed with exit code {result.returncode}")
    still_missing = [p for p in packages if not _dpkg_installed(p)]
    if still_missing:
        _fail(f"apt-get finished but these packages are still missing: {' '.join(still_missing)}")


def ensure_system_packages(tests: bool) -> None:
    if os.environ.get("SENDSUPPORT_SKIP_SYSTEM_PACKAGES") == "1":
        return
    wanted = dict(RUN_PACKAGES)
    if tests:
        wanted.update(TEST_PACKAGES)
    missing = missing_packages(wanted)
    if not VENV_PYTHON.exists() and importlib.util.find_spec("ensurepip") is None:
        # Debian's python3 cannot create a virtualenv without this package.
        missing.append(f"python{sys.version_info[0]}.{sys.version_info[1]}-venv")
    install_packages(missing)


# --- virtualenv -------------------------------------------------------------------------------


def in_venv() -> bool:
    try:
        return Path(sys.prefix).resolve() == VENV.resolve()
    except OSError:
        return False


def _venv_works() -> bool:
    if not VENV_PYTHON.exists():
        return False
    result = subprocess.run(
        [str(VENV_PYTHON), "-c", "import pip"], capture_output=True, check=False
    )
    return result.returncode == 0


def ensure_venv() -> None:
    if in_venv() or _venv_works():
        return
    if VENV.exists():
        _log(f"{VENV} is broken (its python does not run); recreating it")
        shutil.rmtree(VENV)
    _log(f"creating virtualenv {VENV}")
    result = subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=False)
    if result.returncode != 0:
        _fail(f"`{sys.executable} -m venv {VENV}` failed (exit code {result.returncode})")


def _requirements_hash() -> str:
    digest = hashlib.sha256(REQUIREMENTS.read_bytes())
    return digest.hexdigest()


@contextlib.contextmanager
def _venv_lock():
    """Serialise concurrent bootstraps (two scripts started at once) around pip."""
    import fcntl

    VENV.mkdir(exist_ok=True)
    with open(VENV / ".bootstrap.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_requirements() -> None:
    wanted = _requirements_hash()
    if REQUIREMENTS_STAMP.exists() and REQUIREMENTS_STAMP.read_text().strip() == wanted:
        return
    with _venv_lock():
        if REQUIREMENTS_STAMP.exists() and REQUIREMENTS_STAMP.read_text().strip() == wanted:
            return  # another process installed them while we waited
        _log("installing Python packages from requirements.txt (only when it changes)")
        result = subprocess.run(
            [
                str(VENV_PYTHON), "-m", "pip", "install",
                "--disable-pip-version-check", "-r", str(REQUIREMENTS),
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if result.returncode != 0:
            _fail(f"pip install -r requirements.txt failed (exit code {result.returncode})")
        REQUIREMENTS_STAMP.write_text(wanted + "\n")


def reexec_in_venv() -> None:
    if in_venv():
        return
    script = os.path.abspath(sys.argv[0])
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), script, *sys.argv[1:]])


def ensure(tests: bool = False) -> None:
    """Everything above, in order. Returns only when running inside .venv with all installed."""
    if sys.version_info < MIN_PYTHON:
        _fail(
            f"Python {MIN_PYTHON[0]}.{MIN_PYTHON[1]}+ is needed; this is {sys.version.split()[0]}"
        )
    ensure_system_packages(tests)
    ensure_venv()
    ensure_requirements()
    reexec_in_venv()


if __name__ == "__main__":
    ensure(tests="--tests" in sys.argv[1:])
    print(f"ready: {sys.executable}")
