"""The reports share one page shell, stay self-contained, fit the page, and show metric labels."""

from __future__ import annotations

import base64
import re
import struct

import matplotlib.pyplot as plt
import pytest

from conftest import DATA, SMALL, run_cli
from sectorsim import sweep as sw
from sectorsim.metrics import label, summary_columns
from sectorsim.report import page
from sectorsim.scenario.loading import load_scenario


def shell(html: str) -> str:
    """A page's head up to <body>, with its title taken out (the part every report must share)."""
    head = html.split("<body>", 1)[0]
    return re.sub(r"<title>.*?</title>", "<title/>", head, flags=re.S)


def png_widths(html: str) -> list[int]:
    """Pixel widths of the PNGs embedded in a page (from each PNG's IHDR chunk)."""
    return [
        struct.unpack(">I", base64.b64decode(b)[16:20])[0]
        for b in re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    ]


def _fake_run(raw, params, arm, seed, ids, metrics):
    y = 1000 * params["labor_market.offer_acceptance"]
    return {**ids, **{m: y + 0.01 * (seed % 7) for m in metrics}, "error": ""}


def _fake_group(raw, runs, metrics, dedup=True):
    """Stands in for a sweep task (``execute.run_group``): each run's row from :func:`_fake_run`."""
    return [(name, _fake_run(raw, params, arm, seed, ids, metrics)) for name, params, arm, seed, ids in runs]


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The four reports, each as a user gets it (the sweep's runs stand in for model runs)."""
    out = tmp_path_factory.mktemp("reports")
    for args in (
        ("run", str(SMALL), "--out", str(out / "run"), "--jobs", "1", "--replications", "2", "--months", "6"),
        (
            "evaluate",
            str(DATA / "small_eval.yaml"),
            "--out",
            str(out / "ev"),
            "--jobs",
            "1",
            "--replications",
            "2",
        ),
        ("assess", str(SMALL), "--out", str(out / "as")),
    ):
        res = run_cli(*args)
        assert res.returncode == 0, res.stderr
    mp = pytest.MonkeyPatch()
    import sectorsim.sweep.execute as execute

    calls = []
    mp.setattr(execute, "run_group", lambda *a, **k: calls.append(1) or _fake_group(*a, **k))
    exp, raw = sw.load_experiment(DATA / "tiny_experiment.yaml")
    sw.run_sweep(exp, raw, out / "sweep", jobs=1)
    mp.undo()
    assert calls, "the sweep's tasks ran the stand-in, not the model"
    res = run_cli("analyze", str(out / "sweep"))
    assert res.returncode == 0, res.stderr
    return {k: (out / k / "report.html").read_text() for k in ("run", "ev", "as", "sweep")}


@pytest.mark.slow
def test_every_report_has_the_one_shell(reports):
    shells = {k: shell(v) for k, v in reports.items()}
    assert len(set(shells.values())) == 1, shells
    assert next(iter(shells.values())) == shell(page.page("any title", "")), "the shell is page.py's"
    for name, html in reports.items():
        assert html.startswith("<!doctype html>") and html.rstrip().endswith("</body></html>"), name
        assert html.count("<head>") == 1 and html.count("<style>") == 1, name
        # self-contained: nothing is fetched from elsewhere
        assert not re.search(r'(src|href)="(?!data:)', html), name
        assert "max-width:100%" in html


def test_the_shell_check_can_fail():
    ours = page.page("t", "<p>x</p>")
    other = '<!doctype html><html><head><meta charset="utf-8"><title>t</title><style>body{}</style></head><body></body></html>'
    assert shell(ours) != shell(other)
    assert shell(ours) == shell(page.page("another title", "<p>y</p>"))


@pytest.mark.slow
def test_run_report_figures_fit_the_page_and_metrics_show_their_labels(reports):
    html = reports["run"]
    widths = png_widths(html)
    assert len(widths) == 4 and max(widths) <= page.PAGE_PX, widths
    scenario = load_scenario(SMALL)
    shown = re.findall(r"<tr><th>([^<]+)</th>", html)
    assert shown and not set(shown) & set(summary_columns(scenario)), shown
    assert label("turnover_engaged") in html and "turnover_engaged" not in html


def test_panels_keep_a_wide_figure_on_the_page():
    """Four panels 3.3 inches wide go in two rows; one row of four would overflow (the old plot)."""
    fig, axes = page.panels(4, 3.3, 1.2)
    assert len(axes) == 4 and fig.get_size_inches()[0] <= page.PAGE_INCHES
    wide, _ = plt.subplots(1, 4, figsize=(13.2, 1.2))
    assert max(png_widths(page.figure(fig))) <= page.PAGE_PX < max(png_widths(page.figure(wide)))


@pytest.mark.slow
def test_sweep_report_shows_output_labels(reports):
    html = reports["sweep"]
    assert "Mean monthly earnings of working-age residents ($): sector_partnership − single_employer" in html
    assert "<th>output</th>" in html and "<th>column</th>" in html  # the noise table maps labels to names
