"""``osint-kit lab``: the command it runs, and a detective's notebook run in a real browser.

The browser test starts JupyterLab the way ``osint-kit lab`` does (``lab_command``), on
a free loopback port with a token, everything it writes kept in the test's folder;
Chromium (Playwright) opens the case-review notebook, runs every cell from the Run
menu, and the test reads what the page shows. A full-page screenshot is kept in
``$OSINT_KIT_TEST_OUTPUT`` (default ``test-output/`` in the checkout) to look at.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from osint_kit.errors import InvalidOption
from osint_kit.folder.read import ENV_CASES
from osint_kit.formats.chromium import ENV_CHROMIUM, launch_args
from osint_kit.workbench import lab

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK = REPO / "notebooks" / "05-case-review.ipynb"
#: The harassment network: its ipysigma widget must draw in the browser, not only exist.
NETWORK_NOTEBOOK = REPO / "notebooks" / "04-cyberbullying-network.ipynb"
HAS_LAB = all(importlib.util.find_spec(m) for m in ("jupyterlab", "ipykernel", "playwright"))
CHROMIUM = os.environ.get(ENV_CHROMIUM) or shutil.which("chromium")

needs_lab = pytest.mark.skipif(
    not HAS_LAB, reason="JupyterLab, ipykernel or playwright not installed (the lab/dev extras)"
)
needs_browser = pytest.mark.skipif(
    CHROMIUM is None, reason=f"no chromium on the PATH and no ${ENV_CHROMIUM} (make setup)"
)

START_SECONDS = 180  # JupyterLab up and answering (a hang ceiling: generous on a busy machine)
PAGE_SECONDS = 90  # the notebook open and its kernel idle
RUN_SECONDS = 300  # every cell run (the demo case captures pages in Chromium)


def output_dir() -> Path:
    folder = Path(os.environ.get("OSINT_KIT_TEST_OUTPUT") or REPO / "test-output")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


# -- lab_command: fast ----------------------------------------------------------


def flag(argv: list[str], name: str) -> list[str]:
    return [a.partition("=")[2] for a in argv if a.partition("=")[0] == name]


@pytest.mark.parametrize("euid", [0, 1000])
def test_lab_command_binds_the_loopback_with_a_token(tmp_path: Path, euid: int) -> None:
    notebooks, cases = tmp_path / "nb", tmp_path / "cases"
    notebooks.mkdir()
    argv, env = lab.lab_command(
        notebooks, cases=cases, port=18123, token="s3cret", environ={"HOME": "/h"}, euid=euid
    )
    assert argv[:4] == [sys.executable, "-m", "jupyter", "lab"]
    assert flag(argv, "--ip") == ["127.0.0.1"]
    assert not [a for a in argv if "ip=" in a.lower() and a != "--ip=127.0.0.1"]
    assert flag(argv, "--port") == ["18123"] and flag(argv, "--ServerApp.port_retries") == ["0"]
    assert flag(argv, "--IdentityProvider.token") == ["s3cret"]
    assert "--no-browser" in argv
    assert flag(argv, "--ServerApp.root_dir") == [str(notebooks)]
    assert ("--allow-root" in argv) == (euid == 0)
    assert flag(argv, "--LabApp.news_url") == ["None"]  # nothing fetched from jupyter.org
    assert env == {"HOME": "/h", ENV_CASES: str(cases)}


def test_lab_command_defaults_to_the_checkout_and_makes_folders_absolute(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    argv, env = lab.lab_command(None, cases=None, port=1, token="t", environ={})
    assert flag(argv, "--ServerApp.root_dir") == [str(REPO / "notebooks")]
    assert env[ENV_CASES] == str(REPO / "cases")
    # the configured case root wins over the checkout's
    _, env = lab.lab_command(None, cases=None, port=1, token="t", environ={ENV_CASES: "/c"})
    assert env[ENV_CASES] == "/c"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "here").mkdir()
    argv, env = lab.lab_command(Path("here"), cases=Path("mine"), port=1, token="t", environ={})
    assert flag(argv, "--ServerApp.root_dir") == [str(tmp_path / "here")]
    assert env[ENV_CASES] == str(tmp_path / "mine")


@pytest.mark.parametrize(
    ("change", "option"),
    [
        ({"token": ""}, "--token"),
        ({"token": "a b"}, "--token"),
        ({"port": 0}, "--port"),
        ({"port": 70000}, "--port"),
        ({"directory": Path("/nonexistent/notebooks")}, "DIRECTORY"),
    ],
)
def test_lab_command_refuses_what_would_open_or_break_it(
    change: dict[str, Any], option: str
) -> None:
    given: dict[str, Any] = {"directory": REPO, "port": 8888, "token": "t"} | change
    with pytest.raises(InvalidOption) as caught:
        lab.lab_command(given.pop("directory"), cases=None, environ={}, **given)
    assert caught.value.option == option


def test_without_jupyterlab_the_error_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name: None if name == "jupyterlab" else real(name)
    )
    with pytest.raises(lab.OsintKitError, match=r"osint-kit\[lab\]"):
        lab.main(REPO, cases=None, port=None, token=None)


# -- a real server --------------------------------------------------------------


@dataclass
class Lab:
    port: int
    token: str
    root: Path
    process: subprocess.Popen[bytes]
    log: Path

    def url(self, path: str) -> str:
        return lab.lab_url(self.port, self.token, path)

    def get(self, path: str) -> Any:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(self.url(path), timeout=5) as answer:
            return json.load(answer)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def isolated_env(tmp: Path) -> dict[str, str]:
    """This machine's environment without proxies, and every config and state folder of
    osint-kit, Jupyter, JupyterLab and IPython in ``tmp``. The kernel spec is still found:
    it sits in the environment's own share/jupyter, which no variable here replaces."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("OSINT_KIT_TRUST", None)
    folders = {
        "OSINT_KIT_CONFIG_DIR": "osint-config",
        "OSINT_KIT_DATA_DIR": "osint-data",
        "JUPYTER_CONFIG_DIR": "jupyter-config",
        "JUPYTER_DATA_DIR": "jupyter-data",
        "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
        "JUPYTERLAB_SETTINGS_DIR": "lab-settings",
        "JUPYTERLAB_WORKSPACES_DIR": "lab-workspaces",
        "IPYTHONDIR": "ipython",
    }
    for var, name in folders.items():
        (tmp / name).mkdir()
        env[var] = str(tmp / name)
    settings = tmp / "lab-settings" / "@jupyterlab"
    user_settings = {
        # no "receive Jupyter news?" toast over the notebook
        "apputils-extension/notification": {"fetchNews": "false", "checkForUpdates": False},
        # every cell in the page, so the test (and the screenshot) see all of them
        # (and no blank viewport's height after the last cell)
        "notebook-extension/tracker": {"windowingMode": "none", "scrollPastEnd": False},
    }
    for name, values in user_settings.items():
        path = settings / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return env


def listening_addresses(port: int) -> set[str]:
    """The local addresses of listening TCP sockets on ``port`` (from /proc/net)."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            next(f)
            for line in f:
                local, state = line.split()[1], line.split()[3]
                address, _, hexport = local.rpartition(":")
                if state == "0A" and int(hexport, 16) == port:  # 0A: LISTEN
                    found.add(address)
    return found


@pytest.fixture
def running_lab(tmp_path: Path) -> Iterator[Lab]:
    root = tmp_path / "notebooks"
    root.mkdir()
    for notebook in (NOTEBOOK, NETWORK_NOTEBOOK):
        shutil.copy(notebook, root / notebook.name)
    port, token = lab.free_port(), "test-token-" + os.urandom(8).hex()
    argv, env = lab.lab_command(
        root, cases=tmp_path / "cases", port=port, token=token, environ=isolated_env(tmp_path)
    )
    log = tmp_path / "jupyterlab.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    server = Lab(port, token, root, process, log)
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            if process.poll() is not None:
                pytest.fail(f"JupyterLab ended with {process.returncode}:\n{server.log_tail()}")
            try:
                server.get("api/status")
                break
            except (OSError, ValueError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"JupyterLab did not answer in {START_SECONDS} s:\n{server.log_tail()}"
                    )
                time.sleep(0.25)
        yield server
    finally:
        process.send_signal(signal.SIGTERM)  # jupyter_server's clean stop, kernels included
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@needs_lab
def test_the_server_listens_on_the_loopback_only_and_wants_the_token(running_lab: Lab) -> None:
    assert listening_addresses(running_lab.port) == {"0100007F"}  # 127.0.0.1, nothing else
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with pytest.raises(urllib.error.HTTPError) as refused:
        opener.open(f"http://127.0.0.1:{running_lab.port}/api/contents", timeout=5)
    assert refused.value.code == 403
    specs = running_lab.get("api/kernelspecs")
    assert specs["default"] == "python3" and "python3" in specs["kernelspecs"]


@needs_lab
def test_ctrl_c_stops_the_server_and_its_kernels(tmp_path: Path) -> None:
    """``main`` as a user runs it: Ctrl-C ends server and kernel, with exit status 0."""
    env = isolated_env(tmp_path)
    port = lab.free_port()
    code = (
        "import sys; from osint_kit.workbench import lab; "
        f"sys.exit(lab.main(port={port}, token='t'))"
    )
    (tmp_path / "nb").mkdir()
    runner = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=tmp_path / "nb",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        # pytest may run where SIGINT is ignored (a background job): give the child the default
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    server = Lab(port, "t", tmp_path / "nb", runner, tmp_path / "none.log")
    try:
        deadline = time.monotonic() + START_SECONDS
        while True:
            try:
                server.get("api/status")
                break
            except (OSError, ValueError):
                assert time.monotonic() < deadline and runner.poll() is None, "lab never answered"
                time.sleep(0.25)
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(server.url("api/kernels"), method="POST", data=b"{}")
        with opener.open(request, timeout=30) as answer:
            kernel = json.load(answer)
        kernels = [p for p in _processes() if kernel["id"] in p[1]]
        assert kernels, "no kernel process found"
        runner.send_signal(signal.SIGINT)
        assert runner.wait(timeout=60) == 0
        printed = runner.stdout.read().decode() if runner.stdout else ""
        assert f"http://127.0.0.1:{port}/lab?token=t" in printed
        assert "stopping JupyterLab" in printed
        assert listening_addresses(port) == set()
        assert not [p for p in _processes() if kernel["id"] in p[1]], "the kernel outlived lab"
    finally:
        if runner.poll() is None:  # SIGTERM: main stops its server (own session) first
            runner.terminate()
            try:
                runner.wait(timeout=60)
            except subprocess.TimeoutExpired:
                runner.kill()


def _processes() -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                found.append((int(entry.name), (entry / "cmdline").read_bytes().decode()))
            except OSError:
                continue
    return found


# -- the case-review notebook in Chromium ---------------------------------------

#: Where the notebook's scrolling panel starts on the page and how tall its content is,
#: after scrolling it back to the top.
SCROLLER_TOP_AND_HEIGHT = (
    "() => { const s = document.querySelector('.jp-NotebookPanel .jp-WindowedPanel-outer'); "
    "s.scrollTo(0, 0); return [Math.ceil(s.getBoundingClientRect().top), s.scrollHeight] }"
)
SHOT_MAX_HEIGHT = 16000  # Chromium draws taller pages badly, or not at all

#: A code cell that has run shows ``[n]:``; queued or running, ``[*]:``; never run, ``[ ]:``.
PROMPTS = (
    "() => [...document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')]"
    ".map(e => e.textContent.trim())"
)


@needs_lab
@needs_browser
@pytest.mark.slow
@pytest.mark.timeout(RUN_SECONDS + 3 * PAGE_SECONDS + START_SECONDS)
@pytest.mark.parametrize("notebook", [NOTEBOOK, NETWORK_NOTEBOOK], ids=lambda n: n.stem)
def test_notebook_runs_in_jupyterlab(running_lab: Lab, notebook: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    shot = output_dir() / f"lab-{notebook.stem}.png"
    timings: dict[str, float] = {}
    started = time.monotonic()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=launch_args(), headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})

        def fail(why: str) -> None:
            page.screenshot(path=str(shot), full_page=True)
            print(f"screenshot: {shot}")
            pytest.fail(
                f"{why}\nprompts: {page.evaluate(PROMPTS)}\nscreenshot: {shot}\n"
                f"JupyterLab log:\n{running_lab.log_tail()}"
            )

        try:
            page.goto(running_lab.url(f"lab/tree/{notebook.name}"), timeout=PAGE_SECONDS * 1000)
            page.wait_for_selector(".jp-Notebook .jp-CodeCell", timeout=PAGE_SECONDS * 1000)
            page.wait_for_function(
                "() => document.querySelector('.jp-Notebook-ExecutionIndicator')"
                "?.getAttribute('data-status') === 'idle'",
                timeout=PAGE_SECONDS * 1000,
            )
        except PlaywrightError as exc:
            fail(f"the notebook did not open with an idle kernel in {PAGE_SECONDS} s: {exc}")
        timings["open"] = time.monotonic() - started
        cells = sum(c["cell_type"] == "code" for c in json.loads(notebook.read_text())["cells"])
        try:
            page.wait_for_function(
                f"() => ({PROMPTS})().length === {cells}", timeout=PAGE_SECONDS * 1000
            )
        except PlaywrightError:
            fail(f"the notebook did not show its {cells} code cells in {PAGE_SECONDS} s")
        page.keyboard.press("Control+b")  # the file browser folded: the notebook gets the width

        run_started = time.monotonic()
        for _ in range(3):
            # Run > Run All Cells acts on the active notebook: make it so (a click on a
            # code cell's prompt selects the cell without editing it).
            page.locator(".jp-CodeCell .jp-InputArea-prompt").first.click()
            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            item = page.locator(".lm-Menu-item", has_text=re.compile(r"^Run All Cells"))
            if "lm-mod-disabled" not in (item.get_attribute("class") or ""):
                item.click()
                try:  # started: a prompt left "[ ]:"
                    page.wait_for_function(
                        f"() => ({PROMPTS})().some(t => t !== '[ ]:')", timeout=15_000
                    )
                    break
                except PlaywrightError:
                    pass
            page.keyboard.press("Escape")
        else:
            fail("Run > Run All Cells did not start the notebook (tried 3 times)")
        try:
            page.wait_for_function(
                f"() => {{ const p = ({PROMPTS})(); return p.length === {cells} && "
                "p.every(t => /^\\[\\d+\\]:$/.test(t)) && document.querySelector("
                "'.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') === 'idle' }",
                timeout=RUN_SECONDS * 1000,
                polling=500,
            )
        except PlaywrightError:
            fail(f"the cells did not all run in {RUN_SECONDS} s")
        timings["run"] = time.monotonic() - run_started

        # What a detective sees: no error anywhere, then the case, thumbnails, verdict.
        errors = page.evaluate(
            "() => [...document.querySelectorAll("
            "\".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr'], "
            '.osint-kit-error")].map(e => e.textContent).filter(t => '
            "/Traceback|Error|osint-kit:/.test(t))"
        )
        thumbs = page.evaluate(
            "() => [...document.querySelectorAll('img.osint-kit-thumb')]"
            ".map(i => [i.complete, i.naturalWidth])"
        )
        checks = {
            sel: page.locator(sel).first.is_visible() if page.locator(sel).count() else False
            for sel in (".osint-kit-case", ".osint-kit-verified")
        }
        # the network widget drew: its canvases, with the accounts' count in its corner
        drawn = page.evaluate(
            "() => [...document.querySelectorAll('.jp-OutputArea-output')]"
            ".filter(o => o.querySelector('canvas') && /\\d+ nodes/.test(o.textContent))"
            ".map(o => [o.querySelectorAll('canvas').length, "
            "o.getBoundingClientRect().width, o.getBoundingClientRect().height])"
        )
        failed_badges = page.locator(".osint-kit-failed").count()
        # The page as tall as the notebook, scrolled to its top: the screenshot shows
        # every cell and output (up to SHOT_MAX_HEIGHT pixels) as the detective scrolls it.
        top, height = page.evaluate(SCROLLER_TOP_AND_HEIGHT)
        page.set_viewport_size({"width": 1400, "height": min(top + height + 40, SHOT_MAX_HEIGHT)})
        page.wait_for_timeout(500)
        top, height = page.evaluate(SCROLLER_TOP_AND_HEIGHT)
        print(f"notebook: {height} px tall")
        page.screenshot(path=str(shot), full_page=True)
        browser.close()
    timings["total"] = time.monotonic() - started
    print(f"screenshot: {shot}")
    print("timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))

    assert not errors, f"error output in the notebook (screenshot {shot}):\n" + "\n".join(errors)
    if notebook == NETWORK_NOTEBOOK:
        has_sigma = importlib.util.find_spec("ipysigma") is not None
        print(f"network widget (canvases, width, height): {drawn}")
        assert not has_sigma or any(n and w > 300 and h > 300 for n, w, h in drawn), (
            f"the network widget did not draw (canvases, width, height: {drawn}); see {shot}"
        )
        return
    assert checks[".osint-kit-case"], f"no case summary (.osint-kit-case) shown; see {shot}"
    assert thumbs and any(ok and width > 0 for ok, width in thumbs), (
        f"no exhibit thumbnail decoded (img.osint-kit-thumb: {thumbs}); see {shot}"
    )
    assert checks[".osint-kit-verified"] and not failed_badges, (
        f"no VERIFIED badge (.osint-kit-verified), or a FAILED one; see {shot}"
    )
