"""`tonematch app`: serves the page with Streamlit and says where to open it."""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import FrameType

from tonematch.app.workspace import ROOT_ENV
from tonematch.audio_io import InputError

PAGE = Path(__file__).with_name("page.py")
START_TIMEOUT_S = 90.0


def streamlit_command(host: str, port: int, max_upload_mb: int) -> list[str]:
    """The `streamlit run` command line for the page."""
    return [
        sys.executable, "-m", "streamlit", "run", str(PAGE),
        "--server.address", host, "--server.port", str(port),
        "--server.headless", "true",  # no browser opened on the server machine
        "--server.maxUploadSize", str(max_upload_mb),
        "--server.fileWatcherType", "none",  # an installed app, not one being edited
        "--server.runOnSave", "false",
        "--browser.gatherUsageStats", "false",
        "--global.developmentMode", "false",
        "--client.toolbarMode", "minimal",
        "--theme.base", "dark", "--theme.primaryColor", "#f0a030",  # the plugin's amber
    ]


def url_for(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
    if ":" in shown:  # an IPv6 address
        shown = f"[{shown}]"
    return f"http://{shown}:{port}"


def _wait_until_up(url: str, proc: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as reply:
                if reply.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    return False


def serve(host: str, port: int, max_upload_mb: int) -> int:
    """Runs the server until it stops or is interrupted; returns its exit code. Every
    session's files live in one folder of this run, removed when the server stops."""
    if importlib.util.find_spec("streamlit") is None:
        raise InputError("the web app needs Streamlit: pip install 'tonematch[app]'")
    if not 1 <= port <= 65535:
        raise InputError(f"--port {port}: not a TCP port")
    if max_upload_mb < 1:
        raise InputError(f"--max-upload-mb {max_upload_mb}: must be at least 1")
    root = Path(tempfile.mkdtemp(prefix="tonematch-app-"))
    env = {**os.environ, ROOT_ENV: str(root)}
    url = url_for(host, port)

    def stop(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt  # a service manager's SIGTERM cleans up like Ctrl+C

    previous = signal.signal(signal.SIGTERM, stop)
    proc = subprocess.Popen(streamlit_command(host, port, max_upload_mb), env=env,
                            stdin=subprocess.DEVNULL)
    try:
        if _wait_until_up(url, proc):
            print(f"ToneMatch AI web app: {url}  (Ctrl+C stops it)", flush=True)
        code = proc.wait()
        if code != 0:
            print(f"error: the web server stopped with code {code}", file=sys.stderr)
        return 1 if code else 0
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        return 130
    finally:
        signal.signal(signal.SIGTERM, previous)
        shutil.rmtree(root, ignore_errors=True)
