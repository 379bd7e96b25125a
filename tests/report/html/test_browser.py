"""The run report as a person sees it: a failing presubmit against the stand-ins (the
Kubernetes API stand-in with its fake Argo controller, and fake-gcs-server), then the page it
left in the bucket opened in a real headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by selenium). Skips where no browser is installed."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from standins.fixtures import GcsEnv, KubeEnv, gcs, gcs_emulator, kube  # noqa: F401

from compiler.report.html import graph_layout

from .runs import BUILD_DIR, failing_presubmit

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
    "--window-size=1300,1400",
]


def _browser() -> tuple[str, str] | None:
    browser = next(
        (p for name in ("chromium", "chromium-browser") if (p := shutil.which(name))), None
    )
    driver = shutil.which("chromedriver")
    return (browser, driver) if browser and driver else None


@pytest.fixture
def chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    found = _browser()
    if found is None:
        pytest.skip("no Chromium here (apt-get install chromium chromium-driver)")
    webdriver = pytest.importorskip("selenium.webdriver")
    monkeypatch.setenv("SE_OFFLINE", "true")  # selenium must not look for drivers online
    options = webdriver.ChromeOptions()
    options.binary_location = found[0]
    for flag in [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'chromium-profile'}"]:
        options.add_argument(flag)
    # Every request the page makes is in the performance log (DevTools Network events).
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    service = webdriver.ChromeService(executable_path=found[1])
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _requests(driver: Any) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_a_failed_run_report_in_a_real_browser(
    chromium: Any,
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By

    assert failing_presubmit(make_repo, kube, gcs, tmp_path) == 1
    # Done means: the page is in the bucket beside junit and finished.json.
    stored = gcs.list(BUILD_DIR)
    for name in ("finished.json", "artifacts/junit_e2e.xml", "artifacts/kftest-report.html"):
        assert f"{BUILD_DIR}/{name}" in stored, name
    page = tmp_path / "kftest-report.html"
    page.write_bytes(gcs.read(f"{BUILD_DIR}/artifacts/kftest-report.html"))
    workflow = next(w["metadata"]["name"] for w in kube.api.workflows())

    chromium.get("about:blank")
    _requests(chromium)  # drains the log of what the browser's start-up page loaded
    chromium.get(page.as_uri())
    assert chromium.title.startswith("FAILURE · kftest-presubmit #1500")
    # At a glance: the failed step, named, at the top.
    glance = chromium.find_element(By.CSS_SELECTOR, "section.glance")
    assert "run-tests failed — exit code 1: Error (exit code 1)" in glance.text
    # The failed node is drawn red: the shape of the node in the SVG (Graphviz), or its row
    # in the step tree where Graphviz is missing.
    if graph_layout.find_dot() is not None:
        shape = chromium.find_element(
            By.CSS_SELECTOR,
            "#w1-graph-box svg g.node.cause path, #w1-graph-box svg g.node.cause polygon",
        )
        colour = chromium.execute_script("return getComputedStyle(arguments[0]).fill", shape)
        label = chromium.find_element(By.CSS_SELECTOR, "#w1-graph-box svg g.node.cause text")
        assert label.text in ("run-tests", "test-1")
    else:
        shape = chromium.find_element(By.CSS_SELECTOR, "#w1-graph-box li.cause")
        colour = chromium.execute_script(
            "return getComputedStyle(arguments[0]).backgroundColor", shape
        )
    assert shape.is_displayed()
    red, green, blue = (int(c) for c in colour.removeprefix("rgb(").rstrip(")").split(","))
    assert red > 180 and green < 80 and blue < 80, colour
    # The failed step's log tail, read from the pod at the end of the run, is on screen.
    log = chromium.find_element(By.CSS_SELECTOR, "#w1-f1 pre.log")
    chromium.execute_script("arguments[0].scrollIntoView()", log)
    assert log.is_displayed()
    assert log.text == f"step run-tests of {workflow}\nError (exit code 1)"
    # Nothing but the page itself was requested, and nothing was refused by the page's CSP.
    assert _requests(chromium) == [page.as_uri()]
    refused = [e["message"] for e in chromium.get_log("browser") if "Refused" in e["message"]]
    assert refused == []
    chromium.execute_script("window.scrollTo(0, 0)")
    screenshot = tmp_path / "kftest-report.png"
    assert chromium.save_screenshot(str(screenshot))
    assert screenshot.read_bytes().startswith(b"\x89PNG")


def spyglass(page: str) -> str:
    """Deck showing ``page`` the way Spyglass's HTML lens does (Prow's
    pkg/spyglass/lenses/html): in a sandboxed iframe's srcdoc with only the double quotes
    escaped, wrapped in a div and followed by a script that posts the div's height to Deck,
    which makes the iframe (scrolling="no") that tall."""
    notifier = (
        '<script>window.addEventListener("load", function () {'
        ' parent.postMessage({height: document.getElementById("wrapper").offsetHeight}, "*");'
        " });</script>"
    )
    srcdoc = f'<div id="wrapper">{page}</div>{notifier}'.replace('"', "&quot;")
    return (
        "<!DOCTYPE html><html><body>"
        f'<iframe id="lens" srcdoc="{srcdoc}" width="100%" scrolling="no" '
        'sandbox="allow-scripts allow-popups allow-same-origin allow-forms"></iframe>'
        '<script>window.addEventListener("message", function (event) {'
        ' document.getElementById("lens").height = event.data.height; });</script>'
        "</body></html>"
    )


def test_the_page_inside_spyglass(
    chromium: Any,
    make_repo: Callable[..., Path],
    kube: KubeEnv,  # noqa: F811
    gcs: GcsEnv,  # noqa: F811
    tmp_path: Path,
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    # What a pull request's test could print, to turn the report into markup in Deck.
    hostile = "<img src=x onerror=\"document.title='pwned'\"> &lt;b&gt;"
    assert failing_presubmit(make_repo, kube, gcs, tmp_path, message=hostile) == 1
    page = gcs.read(f"{BUILD_DIR}/artifacts/kftest-report.html").decode()
    deck = tmp_path / "deck.html"
    deck.write_text(spyglass(page))
    chromium.get(deck.as_uri())
    # The lens's script ran (the page's Content-Security-Policy does not stop it there) and
    # Deck made the iframe as tall as the page.
    frame = chromium.find_element(By.ID, "lens")
    WebDriverWait(chromium, 20).until(lambda _: int(frame.get_attribute("height") or 0) > 1000)
    chromium.switch_to.frame(frame)
    assert chromium.find_elements(By.TAG_NAME, "img") == []
    assert chromium.execute_script("return document.title") != "pwned"
    log = chromium.find_element(By.CSS_SELECTOR, "#w1-f1 pre.log")
    assert log.text.splitlines()[-1] == hostile  # shown as the step printed it
    glance = chromium.find_element(By.CSS_SELECTOR, "section.glance")
    assert "run-tests failed — Failed: " + hostile in glance.text
    if graph_layout.find_dot() is not None:
        shape = chromium.find_element(By.CSS_SELECTOR, "svg g.node.cause path")
        colour = chromium.execute_script("return getComputedStyle(arguments[0]).fill", shape)
        assert colour == "rgb(209, 36, 47)"
    chromium.switch_to.default_content()
    assert chromium.save_screenshot(str(tmp_path / "spyglass.png"))
