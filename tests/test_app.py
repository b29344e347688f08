"""The workshop app in a real headless browser (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import contextlib
import copy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from conftest import CHROMIUM, ROOT, need_chromium

SCREENSHOTS = ROOT / "results" / "screenshots"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url():
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorsim", "app", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            try:
                if urllib.request.urlopen(url, timeout=2).status == 200:
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("the app did not start within 90 s")
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def chart_pixels(page) -> list[bytes]:
    """Each chart as rendered on screen (the img elements hold blob: URLs, so compare pixels)."""
    charts = page.locator("img")
    return [charts.nth(i).screenshot() for i in range(charts.count())]


@pytest.mark.slow
def test_app_renders_both_sides_and_steps_live(app_url):
    need_chromium()
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    args = [
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
    ]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.goto(app_url)
        page.get_by_text("What to notice").first.wait_for(timeout=90_000)
        page.wait_for_function("document.querySelectorAll('img').length >= 5", timeout=60_000)
        page.wait_for_timeout(1000)
        before = chart_pixels(page)
        assert len(before) >= 5, "five charts (difference, earnings, turnover, employment, pathway)"
        body = page.inner_text("body")
        assert "single_employer" in body and "sector_partnership" in body, "both sides' policies are shown"
        for month in range(1, 7):
            page.get_by_role("button", name="Step").click()
            page.get_by_text(f"month {month} of").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        after = chart_pixels(page)
        page.screenshot(path=str(SCREENSHOTS / "workshop_app.png"), full_page=True)
        browser.close()
    assert len(after) == len(before)
    assert all(len(img) > 5_000 for img in after), "every chart has content"
    changed = sum(a != b for a, b in zip(before, after, strict=True))
    assert changed >= 4, f"only {changed} of {len(after)} charts changed after six steps"
    assert (SCREENSHOTS / "workshop_app.png").stat().st_size > 20_000
    assert shutil.which("chromium") or Path(CHROMIUM).exists()


def region_without_food_service(small_raw: dict, tmp_path: Path) -> Path:
    """The small region with 'health care' and 'food service' renamed, written to a file."""
    raw = copy.deepcopy(small_raw)
    renamed = {"health care": "hospitals", "food service": "hospitality"}
    for s in raw["sectors"]:
        s["name"] = renamed.get(s["name"], s["name"])
    raw["assessment"]["reference_shares"] = {
        renamed.get(k, k): v for k, v in raw["assessment"]["reference_shares"].items()
    }
    raw["arms"] = [{"name": "none"}]
    path = tmp_path / "no_food_service.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def test_workshop_runs_on_a_region_without_food_service(small_raw, tmp_path):
    from sectorsim.workshop import WorkshopModel, lowest_paid_sector, region_raw

    path = region_without_food_service(small_raw, tmp_path)
    assert lowest_paid_sector(region_raw(path)) == "hospitality"  # entry rung $2,550, the lowest
    model = WorkshopModel(scenario_file=str(path), workers=1500, job_quality_raise=0.1)
    assert model.sector == "hospitals" and model.job_quality_sector == "hospitality"
    right = {p.type: p for p in model.config.arm("right").policies}
    assert right["job_quality"].target_sector == "hospitality"
    for _ in range(3):
        model.step()
    assert model.months == 3 and len(model.history["right"]) == 4
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == 4 and df["right:earnings_mean"].gt(0).all()


@pytest.mark.slow
def test_app_labels_the_job_quality_slider_with_the_regions_lowest_paid_sector(small_raw, tmp_path):
    path = region_without_food_service(small_raw, tmp_path)
    code = "import sectorsim.app as a; print(a.MODEL_PARAMS['job_quality_raise']['label'])"
    label = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**os.environ, "SECTORSIM_APP_SCENARIO": str(path)},
        check=True,
    ).stdout.strip()
    assert label == "Job-quality raise in hospitality (right)"
    default = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={k: v for k, v in os.environ.items() if k != "SECTORSIM_APP_SCENARIO"},
        check=True,
    ).stdout.strip()
    assert default == "Job-quality raise in food service (right)"


#: Every text node that strays outside the card (sidebar) or the page it is in, or, in the main
#: area, lies under the sidebar.
OVERFLOW_JS = """() => {
  const out = [];
  const W = document.documentElement.clientWidth;
  const sidebar = Math.max(...Array.from(document.querySelectorAll('.v-card')).map(c => c.getBoundingClientRect().right));
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walk.nextNode())) {
    const text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none' || parseFloat(style.fontSize) === 0) continue;
    const card = el.closest('.v-card');
    const main = el.closest('.sectorsim-main');
    const box = card ? card.getBoundingClientRect() : {left: main ? sidebar : 0, right: W};
    const range = document.createRange();
    range.selectNodeContents(node);
    for (const r of range.getClientRects()) {
      if (r.width > 0 && (r.left < box.left - 1 || r.right > box.right + 1)) {
        out.push(text.slice(0, 40));
        break;
      }
    }
  }
  return out;
}"""


@pytest.mark.slow
def test_app_labels_fit_their_cards_and_the_new_views_render(app_url):
    """No label spills out of its card (also in presenter mode); the ladder view, the cumulative
    difference and the region menu render; the ladder view moves with the months."""
    need_chromium()
    from playwright.sync_api import sync_playwright

    from sectorsim.shipped import names

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        page = browser.new_page(viewport={"width": 1600, "height": 1400})
        page.goto(app_url)
        page.get_by_text("What to notice").first.wait_for(timeout=90_000)
        page.wait_for_function("document.querySelectorAll('img').length >= 6", timeout=60_000)
        page.wait_for_timeout(1000)
        assert page.evaluate(OVERFLOW_JS) == [], "a label spills out of its card"
        body = page.inner_text("body")
        for label in (
            "Use Threads",
            "Support services",
            "Presenter mode",
            "Region: a shipped scenario (then Reset)",
        ):
            assert label in body, label
        # the region menu offers every shipped scenario, and picking one rebuilds both sides on it
        page.locator(".v-select", has_text="Region: a shipped scenario (then Reset)").first.click()
        page.locator(".v-list-item", has_text="boundary").first.wait_for(timeout=10_000)
        options = page.locator(".v-list-item").all_inner_texts()
        assert set(names()) <= set(options), options
        page.locator(".v-list-item", has_text="boundary").first.click()
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Reset").click()  # Mesa builds the model anew on Reset
        page.get_by_text("Region: boundary.").first.wait_for(timeout=90_000)
        page.wait_for_timeout(1000)
        ladder_before = page.locator("img").nth(0).screenshot()
        for month in range(1, 4):
            page.get_by_role("button", name="Step").click()
            page.get_by_text(f"month {month} of").first.wait_for(timeout=60_000)
        page.wait_for_timeout(1500)
        assert page.locator("img").nth(0).screenshot() != ladder_before, (
            "the ladder view moves with the months"
        )
        small = page.evaluate("parseFloat(getComputedStyle(document.documentElement).fontSize)")
        page.get_by_text("Presenter mode (large text)").first.click()
        page.wait_for_function(f"parseFloat(getComputedStyle(document.documentElement).fontSize) > {small}")
        page.wait_for_timeout(1500)
        assert page.evaluate(OVERFLOW_JS) == [], "a label spills out of its card in presenter mode"
        page.screenshot(path=str(SCREENSHOTS / "workshop_presenter.png"), full_page=True)
        browser.close()


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL])
def test_stopping_the_app_command_stops_its_server(sig):
    """SIGTERM or SIGINT to the command's pid (not its group), or kill -9: no server is left listening."""
    import psutil

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sectorsim", "app", "--port", str(port), "--host", "127.0.0.1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 90
        while not _listening(port):  # loop: wait for the server (test helper)
            assert time.time() < deadline, "the app did not start within 90 s"
            assert proc.poll() is None, "the app command exited"
            time.sleep(0.3)
        children = psutil.Process(proc.pid).children(recursive=True)
        assert children, "the server runs in a child process"
        os.kill(proc.pid, sig)
        proc.wait(timeout=15)
        _, alive = psutil.wait_procs(children, timeout=15)
        assert not alive, [p.cmdline() for p in alive]
        assert not _listening(port), "the port is still open"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
