"""The workshop app: one region, two policies, side by side, live (Mesa SolaraViz).

Run it with ``sectorsim app [SCENARIO] [--port N]`` (binds 127.0.0.1). Mesa's convention: this module
defines ``page``, a SolaraViz over :class:`~sectorsim.workshop.WorkshopModel`. Front-end assets are
served locally by the ``solara-assets`` package, so the page works with no internet.
"""

from __future__ import annotations

import os
import textwrap
from typing import Any

import numpy as np
import solara
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sectorsim.outcomes import slug
from sectorsim.workshop import (
    POLICIES,
    STAGES,
    WorkshopModel,
    lowest_paid_sector,
    region_choices,
    region_raw,
)

#: Presenter mode: larger text everywhere, for a projector at the back of the room.
presenter = solara.reactive(False)

#: The sidebar's fixes for the Vue 3 front end of solara 1.58: a checkbox's label is also rendered as
#: a stray text node inside the 40-pixel box of the tick (it spilled out of the card on the left);
#: it is hidden, the real label is kept, and every label wraps inside its card.
APP_CSS = """
.v-selection-control__wrapper { font-size: 0 !important; }
.v-selection-control__wrapper > .v-selection-control__input { font-size: 1rem; }
.v-label, .v-slider__label { white-space: normal !important; overflow-wrap: anywhere; max-width: 100%; }
.v-input__prepend { max-width: 55%; }
.v-card { overflow-wrap: anywhere; }
"""
#: Presenter mode's style: the root font size (Vuetify sizes its text in rem) and the main text.
PRESENTER_CSS = "html { font-size: 22px !important; } .sectorsim-main { font-size: 1.25rem; }"


def _scale() -> float:
    """How much larger chart text is drawn in presenter mode."""
    return 1.7 if presenter.value else 1.0


#: Line style of each side (keyword arguments of matplotlib's plot).
STYLE: dict[str, dict[str, Any]] = {
    "left": dict(color="#1f77b4", ls="-"),
    "right": dict(color="#d62728", ls="--"),
}


def _label(model: WorkshopModel, side: str) -> str:
    return f"{'Left' if side == 'left' else 'Right'}: {model.labels[side]}"


def _series(model: WorkshopModel, side: str, key: str) -> list[float]:
    return [row[key] for row in model.history[side]]


@solara.component
def NoticePanel(model: WorkshopModel) -> None:
    """Plain-language 'what to notice', with this month's numbers."""
    update_counter.get()
    left, right = model.history["left"][-1], model.history["right"][-1]
    d_earn = right["earnings_mean"] - left["earnings_mean"]
    d_turn = right["turnover"] - left["turnover"]
    trained = right["stage:in training"]
    items = [
        f"<b>Mean earnings</b>: right − left = <b>{d_earn:+,.0f} $/month</b> per worker in the region. "
        "Programs are small next to a whole region: watch the groups and the pathway chart.",
        f"<b>Employer turnover</b> (separations per job per year): right − left = <b>{d_turn:+.3f}</b>.",
        f"<b>In training now</b> on the right: <b>{trained:,.0f}</b> workers. While they train they earn less "
        f"(the <i>lock-in</i> dip); the payoff comes after, as they move up the {model.sector} ladder.",
        "Try: firm-specific credentials, no support services, or recruiting in one area only, then Reset.",
    ]
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"<h3>What to notice (month {model.months} of {model.config.months})</h3>"
            f"<p>Region: <b>{model.region}</b>.</p>"
            "<p>Both sides are <b>the same region with the same people and the same luck</b>; only the policy "
            "differs, so every gap you see is the policy's doing.</p><ul>"
            + "".join(f"<li>{i}</li>" for i in items)
            + "</ul>"
        ),
    )


def _figure(title: str, ylabel: str) -> tuple[Figure, Axes]:
    k = _scale()
    fig = Figure(figsize=(5.2, 3.0), layout="constrained")
    ax = fig.subplots()
    ax.set_title(title, fontsize=10 * k)
    ax.set_xlabel("months since the policies started", fontsize=8 * k)
    ax.set_ylabel(ylabel, fontsize=8 * k)
    ax.tick_params(labelsize=7 * k)
    return fig, ax


@solara.component
def EarningsByGroup(model: WorkshopModel) -> None:
    """Mean monthly earnings of each group, both sides."""
    update_counter.get()
    fig, ax = _figure("Earnings by group", "$ per month")
    for side in ("left", "right"):
        for g in model.config.groups:
            ax.plot(
                _series(model, side, f"earnings_{slug(g.name)}"),
                label=f"{g.name} ({model.labels[side]})",
                alpha=0.9 if g is model.config.groups[0] else 0.6,
                **STYLE[side],
            )
    ax.legend(fontsize=6 * _scale())
    solara.FigureMatplotlib(fig, format="png")


def _two_sided_line(model: WorkshopModel, key: str, title: str, ylabel: str) -> None:
    """One measure over time, left (solid) and right (dashed)."""
    fig, ax = _figure(title, ylabel)
    for side in ("left", "right"):
        ax.plot(_series(model, side, key), label=_label(model, side), **STYLE[side])
    ax.legend(fontsize=7 * _scale())
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def Turnover(model: WorkshopModel) -> None:
    """Employer turnover, both sides."""
    update_counter.get()
    _two_sided_line(model, "turnover", "Employer turnover", "separations per job per year")


@solara.component
def MembersTurnover(model: WorkshopModel) -> None:
    """The employer side: the members' turnover, the same firms on both sides."""
    update_counter.get()
    _two_sided_line(
        model,
        "members_turnover",
        "Members' turnover (the same firms, both sides)",
        "separations per job per year",
    )


@solara.component
def MembersFillTime(model: WorkshopModel) -> None:
    """The employer side: how long the members' open positions take to fill, both sides."""
    update_counter.get()
    _two_sided_line(model, "members_fill_months", "Members' vacancy fill time", "months")


@solara.component
def Employment(model: WorkshopModel) -> None:
    """Employment rate, both sides."""
    update_counter.get()
    _two_sided_line(model, "employment_rate", "Employment", "share of workers with a job")


@solara.component
def Pathway(model: WorkshopModel) -> None:
    """Workers by pathway stage in the target sector, this month, both sides."""
    update_counter.get()
    k = _scale()
    fig = Figure(figsize=(5.2, 3.0), layout="constrained")
    ax = fig.subplots()
    width = 0.38
    for i, side in enumerate(("left", "right")):
        row = model.history[side][-1]
        values = [row[f"stage:{s}"] for s in STAGES]
        ax.bar(
            [x + (i - 0.5) * width for x in range(len(STAGES))],
            values,
            width,
            label=_label(model, side),
            color=STYLE[side]["color"],
        )
    ax.set_xticks(range(len(STAGES)), STAGES, fontsize=8 * k)
    ax.tick_params(labelsize=7 * k)
    ax.set_title(f"Workers by pathway stage ({model.sector})", fontsize=10 * k)
    ax.set_ylabel("workers", fontsize=8 * k)
    ax.legend(fontsize=7 * k)
    solara.FigureMatplotlib(fig, format="png")


#: Months of the moving average of the turnover difference.
SMOOTH_MONTHS = 12


def cumulative_difference(model: WorkshopModel) -> tuple[np.ndarray, np.ndarray]:
    """Right minus left: cumulative earnings per resident, and turnover smoothed.

    Earnings per resident are summed since the policies started ($); turnover is averaged over the
    last ``SMOOTH_MONTHS`` months (a single month's difference is mostly noise).
    """
    right, left = model.history["right"], model.history["left"]
    earn = np.array([r["earnings_mean"] - x["earnings_mean"] for r, x in zip(right, left, strict=True)])
    turn = np.array([r["turnover"] - x["turnover"] for r, x in zip(right, left, strict=True)])
    cum = np.cumsum(earn)
    csum = np.concatenate([[0.0], np.cumsum(turn)])
    end = np.arange(1, turn.size + 1)
    window = np.minimum(end, SMOOTH_MONTHS)
    smooth = csum[end] - csum[end - window]
    return cum, smooth / window


@solara.component
def RunningDifference(model: WorkshopModel) -> None:
    """Right minus left, so a trend shows through the noise: cumulative earnings, smoothed turnover."""
    update_counter.get()
    k = _scale()
    fig, ax = _figure("Difference, right − left (cumulative)", "earnings per resident, $ so far")
    cum, smooth = cumulative_difference(model)
    ax.plot(cum, color="black", label="earnings per resident, summed since the start")
    ax.axhline(0, color="grey", lw=0.6)
    ax2 = ax.twinx()
    ax2.plot(smooth, color="orange", ls=":", label=f"turnover, {SMOOTH_MONTHS}-month average")
    ax2.set_ylabel("turnover, per job per year", fontsize=8 * k)
    ax2.tick_params(labelsize=7 * k)
    lines = ax.get_lines()[:1] + ax2.get_lines()
    ax.legend(handles=lines, fontsize=6 * k, loc="upper left")
    solara.FigureMatplotlib(fig, format="png")


def _cell_xy(model: WorkshopModel) -> tuple[np.ndarray, np.ndarray]:
    """Where each cell of the ladder view sits: sectors across, rungs up; training and jobless below."""
    n_sectors, rungs = len(model.config.sectors), model.max_rungs
    x = np.concatenate([np.repeat(np.arange(n_sectors, dtype=float), rungs), [0.5, n_sectors - 1.5]])
    y = np.concatenate([np.tile(np.arange(rungs, dtype=float), n_sectors), [-1.3, -1.3]])
    return x, y


@solara.component
def LadderView(model: WorkshopModel) -> None:
    """Where people are and where they moved this month, both sides in step.

    Up the ladders, between sectors, into and out of training and work. Circles: people in a cell
    (same scale both sides); arrows: this month's largest moves (green up a ladder, blue between
    sectors, grey into or out of work).
    """
    update_counter.get()
    k = min(_scale(), 1.3)  # two panels side by side: their text grows less
    x, y = _cell_xy(model)
    n_sectors, rungs = len(model.config.sectors), model.max_rungs
    counts = {
        side: np.bincount(c[c >= 0], minlength=model.n_cells) for side, c in model.cells.items()
    }  # loop: sides
    biggest = max(float(c.max()) for c in counts.values()) or 1.0  # loop: sides
    fig = Figure(figsize=(10.6, 3.6), layout="constrained")
    axes = fig.subplots(1, 2, sharey=True)
    sector_of = np.concatenate([np.repeat(np.arange(n_sectors), rungs), [-1, -2]])
    rung_of = np.concatenate([np.tile(np.arange(rungs), n_sectors), [-1, -1]])
    for ax, side in zip(axes, ("left", "right"), strict=True):  # loop: the two sides
        moves = model.moves[side]
        ax.scatter(x, y, s=1200 * counts[side] / biggest, color=STYLE[side]["color"], alpha=0.35, lw=0)
        a_idx, b_idx = np.nonzero(moves)
        big = np.argsort(-moves[a_idx, b_idx])[:25]  # the largest moves only: a chart to point at
        for i in big:  # loop: this month's largest moves (at most 25 arrows)
            a, b, n = int(a_idx[i]), int(b_idx[i]), int(moves[a_idx[i], b_idx[i]])
            climb = sector_of[a] == sector_of[b] and sector_of[a] >= 0 and rung_of[b] > rung_of[a]
            between = sector_of[a] >= 0 and sector_of[b] >= 0 and sector_of[a] != sector_of[b]
            color = "#2ca02c" if climb else "#1f77b4" if between else "#999999"
            ax.annotate(
                "",
                xy=(x[b], y[b]),
                xytext=(x[a], y[a]),
                arrowprops=dict(
                    arrowstyle="-|>",
                    color=color,
                    lw=0.5 + 2.5 * n / max(moves.max(), 1),
                    connectionstyle="arc3,rad=0.2",
                    alpha=0.8,
                ),
            )
        same = sector_of[:, None] == sector_of[None, :]
        higher = rung_of[None, :] > rung_of[:, None]
        employed = (sector_of[:, None] >= 0) & (sector_of[None, :] >= 0)
        up = int(moves[same & higher & employed].sum())
        across = int(moves[~same & employed].sum())
        ax.set_title(
            f"{_label(model, side)}\nthis month: {up} up a ladder, {across} changed sector",
            fontsize=9 * k,
        )
        names = [textwrap.fill(s.name, 12) for s in model.config.sectors]  # loop: sectors
        ax.set_xticks(range(n_sectors), names, fontsize=7 * k)
        ax.set_xlim(-0.6, n_sectors - 0.4)
        ax.set_ylim(-2.0, rungs - 0.4)
        for cx, label in ((0.5, "in training"), (n_sectors - 1.5, "not working")):  # loop: two cells
            ax.text(cx, -1.85, label, ha="center", fontsize=7 * k)
    axes[0].set_yticks(
        range(rungs), ["entry", *["higher rung"] * max(rungs - 2, 0), "top"][:rungs], fontsize=7 * k
    )
    fig.suptitle(f"Where people are and move, month {model.months}", fontsize=10 * k)
    solara.FigureMatplotlib(fig, format="png")


MODEL_PARAMS: dict[str, Any] = {
    "left": {
        "type": "Select",
        "value": "single_employer",
        "values": list(POLICIES),
        "label": "Left side: comparison policy",
    },
    "right": {
        "type": "Select",
        "value": "sector_partnership",
        "values": list(POLICIES),
        "label": "Right side: policy",
    },
    "budget": {
        "type": "SliderInt",
        "value": 2_000_000,
        "min": 0,
        "max": 6_000_000,
        "step": 250_000,
        "label": "Public budget for each side's program ($)",
    },
    "cohort_size": {
        "type": "SliderInt",
        "value": 25,
        "min": 5,
        "max": 60,
        "step": 5,
        "label": "Cohort size (right)",
    },
    "portability": {
        "type": "Select",
        "value": "sector_wide",
        "values": ["sector_wide", "firm_specific"],
        "label": "Credential recognized by (right)",
    },
    "support": {
        "type": "Checkbox",
        "value": True,
        "label": "Support services: childcare, transport, coaching (right)",
    },
    "screening": {
        "type": "SliderFloat",
        "value": -0.5,
        "min": -3.0,
        "max": 1.5,
        "step": 0.25,
        "label": "Screening: minimum basic skills, sd (right)",
    },
    "reach": {
        "type": "Select",
        "value": "region",
        "values": ["region", "area"],
        "label": "Recruit across (right)",
    },
    "job_quality_raise": {
        "type": "SliderFloat",
        "value": 0.0,
        "min": 0.0,
        "max": 0.3,
        "step": 0.02,
        "label": "Job-quality raise in the lowest-paid sector (right)",  # named below
    },
    "workers": {
        "type": "SliderInt",
        "value": 6000,
        "min": 2000,
        "max": 20000,
        "step": 1000,
        "label": "Workers in the region",
    },
    "seed": {
        "type": "SliderInt",
        "value": 1,
        "min": 1,
        "max": 50,
        "step": 1,
        "label": "Seed (the region's luck)",
    },
}

_scenario_file = os.environ.get("SECTORSIM_APP_SCENARIO") or None
if _scenario_file:
    MODEL_PARAMS["scenario_file"] = _scenario_file  # fixed (not an input): the region to use
#: The region menu: the file the app was started with, if any, then every shipped scenario.
REGIONS = region_choices(_scenario_file)
MODEL_PARAMS = {
    "region": {
        "type": "Select",
        "value": REGIONS[0] if _scenario_file else "default",
        "values": REGIONS,
        "label": "Region: a shipped scenario (then Reset)",
    },
    **MODEL_PARAMS,
}
MODEL_PARAMS["job_quality_raise"]["label"] = (
    f"Job-quality raise in {lowest_paid_sector(region_raw(_scenario_file))} (right)"
)

CHARTS = (RunningDifference, EarningsByGroup, Turnover, Employment, Pathway)
#: The employer side (members' turnover and fill time, left vs right), after the charts above.
EMPLOYER_CHARTS = (MembersTurnover, MembersFillTime)


@solara.component
def PresenterSwitch() -> None:
    """Presenter mode: larger text and chart labels for a projector."""
    solara.Checkbox(label="Presenter mode (large text)", value=presenter)


@solara.component
def Charts(model: WorkshopModel) -> None:
    """The live charts, two to a row.

    Mesa's own component grid (``GridDraggable``) loads a Vue 2 plugin that the Vue 3 front end of
    solara 1.58 cannot mount, so the charts are laid out here instead of being passed to SolaraViz.
    """
    # the Vue 3 front end of solara 1.58 lays the sidebar over the main area: keep clear of it
    solara.Style(APP_CSS + (PRESENTER_CSS if presenter.value else ""))
    # the sidebar is wider in presenter mode (its text is larger)
    inset = 660 if presenter.value else 520
    with solara.Column(style=f"padding-left: {inset}px;", classes=["sectorsim-main"]):
        PresenterSwitch()
        NoticePanel(model)
        LadderView(model)
        with solara.GridFixed(columns=1 if presenter.value else 2):
            for chart in CHARTS:
                chart(model)
        solara.HTML(
            tag="div",
            unsafe_innerHTML="<h3>The employer side</h3><p>The firms the right side's policy engaged (its "
            "members), followed on both sides: the same firms, the same luck, with and without the policy.</p>",
        )
        with solara.GridFixed(columns=2):
            for chart in EMPLOYER_CHARTS:  # loop: the employer-side charts
                chart(model)


@solara.component
def Page() -> None:
    """SolaraViz (controls, play/step/reset, inputs) plus the two-sided charts; one model per session."""
    model: Any = solara.use_reactive(solara.use_memo(lambda: WorkshopModel(scenario_file=_scenario_file), []))
    SolaraViz(
        model,
        components=[],
        model_params=MODEL_PARAMS,
        name="sectorsim workshop: one region, two policies",
        play_interval=300,
    )
    Charts(model.value)


page = Page
