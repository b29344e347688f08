"""The workshop app: one region, two policies, side by side, live (Mesa SolaraViz).

Run it with ``sectorsim app [SCENARIO] [--port N]`` (binds 127.0.0.1). Mesa's convention: this module
defines ``page``, a SolaraViz over :class:`~sectorsim.workshop.WorkshopModel`. Front-end assets are
served locally by the ``solara-assets`` package, so the page works with no internet.
"""

from __future__ import annotations

import os
from typing import Any

import solara
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sectorsim.outcomes import slug
from sectorsim.workshop import POLICIES, STAGES, WorkshopModel, lowest_paid_sector, region_raw

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
            "<p>Both sides are <b>the same region with the same people and the same luck</b>; only the policy "
            "differs, so every gap you see is the policy's doing.</p><ul>"
            + "".join(f"<li>{i}</li>" for i in items)
            + "</ul>"
        ),
    )


def _figure(title: str, ylabel: str) -> tuple[Figure, Axes]:
    fig = Figure(figsize=(5.2, 3.0))
    ax = fig.subplots()
    ax.set_title(title, fontsize=10)
    ax.set_xlabel("months since the policies started", fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
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
    ax.legend(fontsize=6)
    solara.FigureMatplotlib(fig, format="png")


def _two_sided_line(model: WorkshopModel, key: str, title: str, ylabel: str) -> None:
    """One measure over time, left (solid) and right (dashed)."""
    fig, ax = _figure(title, ylabel)
    for side in ("left", "right"):
        ax.plot(_series(model, side, key), label=_label(model, side), **STYLE[side])
    ax.legend(fontsize=7)
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
    fig = Figure(figsize=(5.2, 3.0))
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
    ax.set_xticks(range(len(STAGES)), STAGES, fontsize=8)
    ax.set_title(f"Workers by pathway stage ({model.sector})", fontsize=10)
    ax.set_ylabel("workers", fontsize=8)
    ax.legend(fontsize=7)
    solara.FigureMatplotlib(fig, format="png")


@solara.component
def RunningDifference(model: WorkshopModel) -> None:
    """Right minus left: mean earnings and turnover."""
    update_counter.get()
    fig, ax = _figure("Running difference (right − left)", "mean earnings, $ per month")
    earn = [
        r["earnings_mean"] - lft["earnings_mean"]
        for r, lft in zip(model.history["right"], model.history["left"], strict=True)
    ]
    turn = [
        r["turnover"] - lft["turnover"]
        for r, lft in zip(model.history["right"], model.history["left"], strict=True)
    ]
    ax.plot(earn, color="black", label="mean earnings")
    ax.axhline(0, color="grey", lw=0.6)
    ax2 = ax.twinx()
    ax2.plot(turn, color="orange", ls=":", label="turnover")
    ax2.set_ylabel("turnover, per job per year", fontsize=8)
    ax2.tick_params(labelsize=7)
    fig.legend(fontsize=7, loc="lower right")
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
MODEL_PARAMS["job_quality_raise"]["label"] = (
    f"Job-quality raise in {lowest_paid_sector(region_raw(_scenario_file))} (right)"
)

CHARTS = (RunningDifference, EarningsByGroup, Turnover, Employment, Pathway)
#: The employer side (members' turnover and fill time, left vs right), after the charts above.
EMPLOYER_CHARTS = (MembersTurnover, MembersFillTime)


@solara.component
def Charts(model: WorkshopModel) -> None:
    """The live charts, two to a row.

    Mesa's own component grid (``GridDraggable``) loads a Vue 2 plugin that the Vue 3 front end of
    solara 1.58 cannot mount, so the charts are laid out here instead of being passed to SolaraViz.
    """
    # the Vue 3 front end of solara 1.58 lays the sidebar over the main area: keep clear of it
    with solara.Column(style="padding-left: 520px;"):
        NoticePanel(model)
        with solara.GridFixed(columns=2):
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
