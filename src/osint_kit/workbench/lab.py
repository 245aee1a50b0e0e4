"""``osint-kit lab``: JupyterLab for the notebooks, on the loopback only, behind a token.

The server runs on this Python (``sys.executable -m jupyter lab``), so the
notebooks' default kernel is the environment osint-kit is installed in, and the
kernel finds the case root through ``$OSINT_KIT_CASES``. ``lab_command`` only
builds the command line and the environment (the tests read it); ``main`` picks
the defaults, starts the server, prints the address and waits for it.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import FrameType

from osint_kit.errors import InvalidOption, OsintKitError
from osint_kit.folder.read import ENV_CASES, default_root

#: The only address the server listens on: case material never leaves this machine.
LOOPBACK = "127.0.0.1"

#: What the server may not fetch or offer: JupyterLab's news feed and update check
#: (requests to jupyter.org from an evidence workstation), and installing extensions
#: from PyPI out of the browser.
QUIET = (
    "--LabApp.news_url=None",
    "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    "--LabApp.extension_manager=readonly",
)

ROOT_DIR = "--ServerApp.root_dir="

#: How long a stopped server gets to shut its kernels down before it is killed.
STOP_GRACE_SECONDS = 30.0


def checkout() -> Path | None:
    """The source checkout this package runs from (it has ``notebooks/``), or None."""
    top = Path(__file__).resolve().parents[3]  # src/osint_kit/workbench/lab.py
    return top if (top / "notebooks").is_dir() else None


def default_directory() -> Path:
    """The checkout's ``notebooks/`` folder, else the current folder."""
    top = checkout()
    return top / "notebooks" if top is not None else Path.cwd()


def default_cases(environ: Mapping[str, str] | None = None) -> Path:
    """``$OSINT_KIT_CASES`` when set, else the checkout's ``cases/``, else ``./cases``."""
    env = os.environ if environ is None else environ
    if env.get(ENV_CASES):
        return Path(env[ENV_CASES])
    top = checkout()
    return top / "cases" if top is not None else default_root()


def lab_command(
    directory: Path | None,
    *,
    cases: Path | None,
    port: int,
    token: str,
    environ: Mapping[str, str] | None = None,
    euid: int | None = None,
) -> tuple[list[str], dict[str, str]]:
    """The argv and the full environment of the JupyterLab server; starts nothing.

    ``environ`` is the environment to start from (default: this process's), ``euid``
    the user it runs as (default: this process's; root needs ``--allow-root``).
    Folders are made absolute: the kernel runs in the notebook's folder, not here.
    """
    env = dict(os.environ if environ is None else environ)
    if not 0 < port < 65536:
        raise InvalidOption("--port", f"{port} is not a TCP port (1 to 65535)")
    if not token or token != token.strip() or any(c.isspace() for c in token):
        # An empty token would let every program on this machine into the case files.
        raise InvalidOption("--token", "give a non-empty token without spaces")
    root = (directory if directory is not None else default_directory()).expanduser().absolute()
    if not root.is_dir():
        raise InvalidOption("DIRECTORY", f"{root} is not a folder")
    case_root = (cases if cases is not None else default_cases(env)).expanduser().absolute()
    if case_root.exists() and not case_root.is_dir():
        raise InvalidOption("--cases", f"{case_root} is not a folder")
    argv = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        f"--ip={LOOPBACK}",
        f"--port={port}",
        # A port that is taken is an error, not a silent move to another one.
        "--ServerApp.port_retries=0",
        "--no-browser",
        f"--IdentityProvider.token={token}",
        f"{ROOT_DIR}{root}",
        *QUIET,
    ]
    if (os.geteuid() if euid is None else euid) == 0:
        argv.append("--allow-root")
    env[ENV_CASES] = str(case_root)
    return argv, env


def lab_url(port: int, token: str, path: str = "lab") -> str:
    return f"http://{LOOPBACK}:{port}/{path}?token={token}"


def require_lab() -> None:
    """Raise with how to install when JupyterLab or the kernel is missing here."""
    missing = [m for m in ("jupyterlab", "ipykernel") if importlib.util.find_spec(m) is None]
    if missing:
        raise OsintKitError(
            f"JupyterLab is not installed for {sys.executable} (missing: {', '.join(missing)}). "
            "Install the lab extra: pip install 'osint-kit[lab]' (in a checkout, make setup "
            "installs it into .venv)"
        )


def free_port() -> int:
    """A TCP port free on the loopback now (the server refuses to start if it is taken)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((LOOPBACK, 0))
        port: int = s.getsockname()[1]
        return port


def main(
    directory: Path | None = None,
    *,
    cases: Path | None = None,
    port: int | None = None,
    token: str | None = None,
) -> int:
    """Run JupyterLab until it ends or is stopped; its exit status.

    Ctrl-C (and SIGTERM, SIGHUP) stops the server the way JupyterLab's own
    confirmed shutdown does, kernels included, without its interactive prompt.
    """
    require_lab()
    port = free_port() if port is None else port
    token = secrets.token_urlsafe(32) if token is None else token
    argv, env = lab_command(directory, cases=cases, port=port, token=token)
    root = next(a for a in argv if a.startswith(ROOT_DIR)).removeprefix(ROOT_DIR)
    sys.stdout.write(
        f"JupyterLab on {LOOPBACK} only (not reachable from other machines)\n"
        f"  open:      {lab_url(port, token)}\n"
        f"  notebooks: {root}\n"
        f"  cases:     {env[ENV_CASES]}\n"
        "Ctrl-C stops it.\n"
    )
    sys.stdout.flush()
    # Its own session: Ctrl-C reaches only us, and we stop the server without the
    # "Shut down this Jupyter server (y/[n])?" prompt that resumes after 5 seconds.
    server = subprocess.Popen(argv, env=env, start_new_session=True)
    try:
        with _signals_interrupt():
            return _status(server.wait())
    except KeyboardInterrupt:
        return _stop(server)


def _status(code: int) -> int:
    return 128 - code if code < 0 else code  # killed by signal N: 128 + N, as a shell says


def _stop(server: subprocess.Popen[bytes]) -> int:
    sys.stdout.write("stopping JupyterLab (its kernels too)...\n")
    sys.stdout.flush()
    with contextlib.suppress(ProcessLookupError):
        server.send_signal(signal.SIGTERM)  # jupyter_server's own clean stop
    try:
        code = server.wait(timeout=STOP_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        server.kill()
        code = server.wait()
    return _status(code)


@contextlib.contextmanager
def _signals_interrupt() -> Iterator[None]:
    """SIGTERM and SIGHUP (the terminal closed) end the wait like Ctrl-C, so the server
    started in its own session never outlives us."""
    if sys.platform == "win32" or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    before = {s: signal.signal(s, interrupt) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in before.items():
            signal.signal(s, handler)
