"""A real Chromium (Debian's chromium + chromium-driver) driven by Selenium, and the steps the
browser tests take on the page."""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement

T = TypeVar("T")
EXAMPLES = Path(__file__).resolve().parents[2] / "assets" / "examples"
SESSION_TTL_S = 2  # how long the test server keeps a closed page's session
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


class Browser:
    """One headless Chromium with its own profile and download folder (a separate session)."""

    def __init__(self, downloads: Path, width: int = 1280, height: int = 800) -> None:
        self.downloads = downloads
        downloads.mkdir(parents=True, exist_ok=True)
        self._profile = Path(tempfile.mkdtemp(prefix="chromium-profile-"))
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--autoplay-policy=no-user-gesture-required",
                     f"--user-data-dir={self._profile}", f"--window-size={width},{height}"):
            options.add_argument(flag)
        options.add_experimental_option("prefs", {
            "download.default_directory": str(downloads),
            "download.prompt_for_download": False,
        })
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.execute_cdp_cmd("Page.setDownloadBehavior",
                                    {"behavior": "allow", "downloadPath": str(downloads)})
        # --window-size sets the outer window; make the page itself 1280×800.
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": False})

    def close(self) -> None:
        try:
            self.driver.quit()
        finally:
            shutil.rmtree(self._profile, ignore_errors=True)

    # -- waiting --------------------------------------------------------------------------

    def wait_for(self, what: Callable[[], T | None], timeout: float, message: str) -> T:
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = what()
            except (StaleElementReferenceException, WebDriverException):
                value = None  # Streamlit redraws elements; look again
            if value:
                return value
            if time.monotonic() > deadline:
                self.driver.save_screenshot(str(self.downloads / "timeout.png"))
                raise AssertionError(f"timed out after {timeout:.0f} s waiting for {message}; "
                                     f"page text: {self.text()[-1500:]}")
            time.sleep(0.2)

    def text(self) -> str:
        try:
            return self.driver.find_element(By.TAG_NAME, "body").text
        except WebDriverException:
            return ""

    def idle(self) -> bool:
        """True when the page's script is not running (no element waits to be redrawn)."""
        return bool(self.driver.execute_script(
            "return document.querySelectorAll('[data-stale=true]').length === 0 && "
            "!(document.querySelector('[data-testid=stStatusWidget]')?.innerText || '')"
            ".includes('Running');"))

    def wait_idle(self, timeout: float = 60) -> None:
        """Waits until the page has finished redrawing (twice in a row, 0.3 s apart)."""
        def settled() -> bool:
            if not self.idle():
                return False
            time.sleep(0.3)
            return self.idle()

        self.wait_for(settled, timeout, "the page to finish its run")

    def wait_text(self, needle: str, timeout: float = 30) -> None:
        self.wait_for(lambda: needle in self.text(), timeout, repr(needle))

    # -- the page -------------------------------------------------------------------------

    def open(self, url: str) -> None:
        self.driver.get(url)
        self.wait_text("Match tone", 60)

    def upload(self, index: int, path: Path) -> None:
        """Sets the index-th file input (0: DI, 1: reference)."""
        inputs = self.wait_for(
            lambda: (lambda f: f if len(f) > index else None)(
                self.driver.find_elements(By.CSS_SELECTOR, "input[type=file]")),
            30, "the file inputs")
        inputs[index].send_keys(str(path.resolve()))

    def button(self, label: str) -> WebElement:
        def find() -> WebElement | None:
            for b in self.driver.find_elements(By.TAG_NAME, "button"):
                if b.text.strip() == label and b.is_displayed():
                    return b
            return None

        return self.wait_for(find, 30, f"the {label!r} button")

    def click(self, label: str) -> None:
        element = self.button(label)
        self.wait_for(lambda: element.is_enabled() or None, 60, f"{label!r} to be enabled")
        self.driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", element)
        element.click()

    def choose(self, option: str) -> None:
        """Clicks a radio option by its label."""
        def find() -> WebElement | None:
            for label in self.driver.find_elements(By.CSS_SELECTOR, "label"):
                if label.text.strip() == option and label.is_displayed():
                    return label
            return None

        element = self.wait_for(find, 30, f"the option {option!r}")
        element.click()

    def type_into(self, aria_label: str, text: str) -> None:
        field = self.wait_for(
            lambda: self.driver.find_element(By.CSS_SELECTOR, f"input[aria-label='{aria_label}']"),
            30, f"the {aria_label!r} field")
        field.clear()
        field.send_keys(text + "\n")

    def audio_players(self) -> list[WebElement]:
        return self.driver.find_elements(By.TAG_NAME, "audio")

    def wait_download(self, name: str, timeout: float = 30) -> Path:
        path = self.downloads / name
        self.wait_for(lambda: path.is_file() and not list(self.downloads.glob("*.crdownload")),
                      timeout, f"the download {name}")
        return path

    def horizontal_overflow(self) -> int:
        """How many pixels the page is wider than the window (0 = no horizontal scrolling)."""
        return int(self.driver.execute_script(
            "return Math.max(document.documentElement.scrollWidth, document.body.scrollWidth)"
            " - window.innerWidth;"))


def wait_until(condition: Callable[[], object], timeout: float, message: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s: {message}")
        time.sleep(0.2)
