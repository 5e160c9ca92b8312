"""
Takes a screenshot of the web demo (`allennlp hmtl-demo`) in headless Chromium: starts the
demo with an archive on a free port, types a text, clicks "Analyse" and saves the page once the
predictions are drawn. The browser test (tests/demo/test_demo_browser.py) drives the page with
the same functions.

    .venv/bin/python scripts/demo_screenshot.py ARCHIVE [--output docs/demo.png] [--text TEXT]

Needs Debian's `chromium` and `chromium-driver` packages (scripts/setup_browser.sh installs
them) and selenium (requirements/runtime.txt).
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
from pathlib import Path
from typing import List, Optional, Tuple

REPOSITORY = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Headless, and without the background connections (updates, sync, safe browsing) that a
# closed network refuses and that only slow the start down.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
]
SERVING = re.compile(r"hmtl-demo: serving .* on (http://\S+/)")
# The page's own example.
EXAMPLE = (
    "Marie Curie was a Polish and naturalised-French physicist and chemist who conducted "
    "pioneering research on radioactivity. She was born in Warsaw, in what was then the Kingdom "
    "of Poland. Curie studied at the University of Paris, where she later became a professor."
)


def missing_browser() -> Optional[str]:
    """Why Chromium cannot be driven here, or None when it can."""
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not os.access(path, os.X_OK):
            return f"{path} is missing (Debian package {package}; see scripts/setup_browser.sh)"
    return None


def chromium_driver(profile_directory: str):
    """A headless Chromium under selenium, with a fresh profile in `profile_directory`."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS + [f"--user-data-dir={profile_directory}"]:
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def start_demo(archive: str, *options: str) -> Tuple[subprocess.Popen, str]:
    """
    Starts `allennlp hmtl-demo ARCHIVE --port 0 OPTIONS` (a free port) and returns the process
    and the page's URL, once the server listens.
    """
    allennlp = str(Path(sys.executable).parent / "allennlp")
    command = [allennlp, "hmtl-demo", archive, "--port", "0", *options]
    environment = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    process = subprocess.Popen(
        command,
        cwd=REPOSITORY,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: List[str] = []
    for line in process.stdout:
        lines.append(line)
        match = SERVING.search(line)
        if match:
            # The server's log goes on in the pipe: read it away so that it never fills.
            _drain(process)
            return process, match.group(1)
    process.wait()
    raise RuntimeError(
        f"{' '.join(command)} exited ({process.returncode}) before serving:\n"
        + "".join(lines[-30:])
    )


def _drain(process: subprocess.Popen) -> None:
    def discard() -> None:
        for _ in process.stdout:
            pass

    threading.Thread(target=discard, daemon=True).start()


def analyse(driver, url: str, text: str, timeout: float = 60.0) -> None:
    """Opens the page, types `text`, clicks "Analyse" and waits for the results or the error."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    if driver.current_url != url:
        driver.get(url)
    wait = WebDriverWait(driver, timeout)
    # The page knows the model's tasks once /health has answered.
    wait.until(lambda _: driver.find_element(By.ID, "model").text)
    box = driver.find_element(By.ID, "text")
    box.clear()
    if text:
        box.send_keys(text)
    driver.find_element(By.ID, "analyse").click()
    wait.until(expected_conditions.element_to_be_clickable((By.ID, "analyse")))
    wait.until(
        lambda _: driver.find_element(By.ID, "results").is_displayed()
        or driver.find_element(By.ID, "error").is_displayed()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.strip().split("\n\n")[0])
    parser.add_argument("archive", help="the archived model")
    parser.add_argument("--output", type=Path, default=REPOSITORY / "docs" / "demo.png")
    parser.add_argument("--text", default=EXAMPLE, help="the text to analyse")
    arguments = parser.parse_args()
    problem = missing_browser()
    if problem:
        parser.error(problem)
    process, url = start_demo(arguments.archive)
    try:
        with tempfile.TemporaryDirectory() as profile:
            driver = chromium_driver(profile)
            try:
                analyse(driver, url, arguments.text)
                driver.save_screenshot(str(arguments.output))
            finally:
                driver.quit()
    finally:
        process.terminate()
        process.wait()
    print(f"demo_screenshot: wrote {arguments.output}")


if __name__ == "__main__":
    main()
