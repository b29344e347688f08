"""The report of a scenario discovery: PRIM's peeling trajectory and boxes, the cases, the CART tree.

Written twice over, from the same figures and tables: ``discovery.md`` (Markdown, with the figures as
PNG files next to it, for a repository or a paper's notes) and ``report.html`` (one self-contained page,
the figures embedded, like every sectorsim report); plus the tables as CSV.

Reads: a :class:`~sectorsim.sweep.discovery.Discovery`. Writes: into the folder it is given
``discovery.md``, ``report.html``, ``prim_trajectory.png``, ``prim_boxes.png``, ``cases.png``,
``cart_tree.png``, ``prim_trajectory.csv``, ``prim_boxes.csv``, ``cart_leaves.csv`` and ``cases.csv``.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sectorsim.report.page import DPI, panels, write
from sectorsim.sweep.analysis import output_label
from sectorsim.sweep.discovery import Discovery


def _short(name: str) -> str:
    """A parameter path shortened for a plot (its last two keys when it is deep)."""
    parts = name.split(".")
    return ".".join(parts[-2:]) if len(parts) > 3 else name


def trajectory_figure(d: Discovery) -> plt.Figure:
    """Coverage against density along each box's peeling trajectory; the chosen step starred."""
    fig, axes = panels(len(d.boxes), 4.4, 3.6)
    for k, (ax, box) in enumerate(zip(axes, d.boxes, strict=True)):  # loop: boxes
        t = box.trajectory
        points = ax.scatter(t["coverage"], t["density"], c=t["restricted"], cmap="viridis", s=18)
        ax.plot(t["coverage"], t["density"], color="grey", lw=0.6, zorder=0)
        c = t.iloc[box.chosen]
        ax.scatter([c["coverage"]], [c["density"]], marker="*", s=220, color="crimson", zorder=3)
        ax.annotate(
            f"chosen: coverage {c['coverage']:.2f}, density {c['density']:.2f}",
            (c["coverage"], c["density"]),
            textcoords="offset points",
            xytext=(-10, -16),
            ha="right",
            fontsize=8,
        )
        ax.set_xlabel("coverage (share of cases of interest inside)")
        ax.set_ylabel("density (share of the box of interest)")
        ax.set_xlim(-0.02, 1.04)
        ax.set_ylim(-0.02, 1.04)
        ax.set_title(f"PRIM box {k + 1}: peeling trajectory", fontsize=9)
        fig.colorbar(
            points, ax=ax, label="parameters restricted", ticks=sorted(set(t["restricted"].astype(int)))
        )
    fig.suptitle("Peeling trajectory: coverage against density")
    return fig


def boxes_figure(d: Discovery) -> plt.Figure:
    """Each chosen box's limits within each restricted parameter's range, with their quasi-p-values."""
    fig, axes = panels(len(d.boxes), 5.0, 0.6 + 0.5 * max(1, *(len(b.limits) for b in d.boxes)))
    for k, (ax, box) in enumerate(zip(axes, d.boxes, strict=True)):  # loop: boxes
        lim = box.limits
        cols = [lim[c].to_numpy(float) for c in ("low", "high", "qp", "range_low", "range_high")]  # loop: 5
        for i, (low, high, qp, r_low, r_high) in enumerate(zip(*cols, strict=True)):  # loop: parameters
            span = (r_high - r_low) or 1.0
            lo, hi = (low - r_low) / span, (high - r_low) / span
            ax.plot([0, 1], [i, i], color="lightgrey", lw=6, solid_capstyle="butt")
            ax.plot([lo, hi], [i, i], color="tab:blue", lw=6, solid_capstyle="butt")
            ax.text(1.03, i, f"{low:.4g} to {high:.4g}  (qp {qp:.2g})", va="center", fontsize=8)
        ax.set_yticks(range(len(lim)), [_short(p) for p in lim["parameter"]], fontsize=8)
        ax.set_xlim(0, 1)
        ax.set_ylim(-0.6, max(len(lim), 1) - 0.4)
        ax.invert_yaxis()
        ax.set_xticks([0, 1], ["lowest sampled", "highest sampled"], fontsize=7)
        s = box.stats
        ax.set_title(
            f"PRIM box {k + 1}: coverage {s['coverage']:.2f}, density {s['density']:.2f}, "
            f"mass {s['mass']:.2f}",
            fontsize=9,
        )
    fig.suptitle("The chosen boxes' limits (blue) within each parameter's sampled range")
    return fig


def _pair(d: Discovery) -> list[str]:
    """The two parameters to plot the cases on: the first box's most significant limits first."""
    first = list(d.boxes[0].limits["parameter"]) if d.boxes else []
    return (first + [p for p in d.parameters if p not in first])[:2]


def cases_figure(d: Discovery) -> plt.Figure:
    """The cases on the two most telling parameters, of interest or not, with the first box drawn."""
    fig, ax = plt.subplots(figsize=(5.2, 4.2), layout="constrained")
    pair = _pair(d)
    if len(pair) < 2:
        pair = [pair[0], pair[0]]
    x, y = pair
    hit = d.cases["of_interest"].to_numpy(bool)
    ax.scatter(d.cases.loc[~hit, x], d.cases.loc[~hit, y], s=10, color="lightgrey", label="other samples")
    ax.scatter(d.cases.loc[hit, x], d.cases.loc[hit, y], s=12, color="crimson", label="condition holds")
    if d.boxes:
        lim = d.boxes[0].limits
        given = {
            p: (float(lo), float(hi))
            for p, lo, hi in zip(lim["parameter"], lim["low"], lim["high"], strict=True)
        }  # loop: limits
        lo_x, hi_x = given.get(x, ax.get_xlim())
        lo_y, hi_y = given.get(y, ax.get_ylim())
        ax.add_patch(plt.Rectangle((lo_x, lo_y), hi_x - lo_x, hi_y - lo_y, fill=False, lw=1.6, ec="tab:blue"))
    ax.set_xlabel(_short(x), fontsize=8)
    ax.set_ylabel(_short(y), fontsize=8)
    ax.legend(fontsize=7, loc="best")
    ax.set_title(textwrap.fill(f"Samples where {d.condition}", 60), fontsize=8)
    return fig


def cart_figure(d: Discovery) -> plt.Figure:
    """The CART tree, its leaves coloured by the share of cases of interest."""
    from sklearn.tree import plot_tree

    depth = max(1, int(d.tree.get_depth()))
    fig, ax = plt.subplots(figsize=(min(10.0, 3.0 * depth + 2), 1.6 * depth + 1.5), layout="constrained")
    plot_tree(
        d.tree,
        feature_names=[_short(p) for p in d.parameters],  # loop: parameters
        class_names=["other", "of interest"],
        filled=True,
        impurity=False,
        proportion=False,
        fontsize=7,
        ax=ax,
    )
    ax.set_title("CART classification tree (second view)", fontsize=9)
    return fig


def _png(fig: plt.Figure) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return buf.getvalue()


def box_tables(d: Discovery) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Every box's trajectory (``box``, ``step``, ``chosen`` and the statistics) and chosen limits."""
    trajectories = [
        b.trajectory.assign(
            box=k + 1, step=np.arange(len(b.trajectory)), chosen=np.arange(len(b.trajectory)) == b.chosen
        )
        for k, b in enumerate(d.boxes)  # loop: boxes
    ]
    limits = [
        b.limits.assign(box=k + 1, **b.stats)
        for k, b in enumerate(d.boxes)  # loop: boxes
    ]
    traj = pd.concat(trajectories, ignore_index=True) if trajectories else pd.DataFrame()
    lims = pd.concat(limits, ignore_index=True) if limits else pd.DataFrame()
    front = ["box", "step", "chosen"]
    traj = traj[front + [c for c in traj.columns if c not in front]] if not traj.empty else traj
    lims = lims[["box"] + [c for c in lims.columns if c != "box"]] if not lims.empty else lims
    return traj, lims


def markdown_table(table: pd.DataFrame) -> str:
    """A table as GitHub Markdown (numbers to 4 significant digits)."""

    def cell(v: object) -> str:
        if isinstance(v, float | np.floating):
            return f"{v:.4g}"
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(str(c) for c in table.columns) + " |"  # loop: columns
    rule = "|" + "---|" * len(table.columns)
    body = [
        "| " + " | ".join(cell(v) for v in r) + " |" for r in table.itertuples(index=False)
    ]  # loop: table lines
    return "\n".join([head, rule, *body])


def write_discovery_report(folder: str | Path, d: Discovery, title: str = "") -> list[str]:
    """Write the discovery report, its figures and its tables into ``folder``.

    Returns:
        The names of the files written.
    """
    folder = Path(folder)
    figs = {
        "prim_trajectory.png": trajectory_figure(d),
        "prim_boxes.png": boxes_figure(d),
        "cases.png": cases_figure(d),
        "cart_tree.png": cart_figure(d),
    }
    images = {name: _png(fig) for name, fig in figs.items()}  # loop: figures
    for name, data in images.items():  # loop: figures
        (folder / name).write_bytes(data)
    traj, lims = box_tables(d)
    traj.to_csv(folder / "prim_trajectory.csv", index=False)
    lims.to_csv(folder / "prim_boxes.csv", index=False)
    d.leaves.to_csv(folder / "cart_leaves.csv", index=False)
    d.cases.to_csv(folder / "cases.csv", index=False)
    n = len(d.cases)
    reads = ", ".join(f"{c} ({output_label(c)})" for c in d.cases.columns if "[" in c)  # loop: columns
    intro = (
        f"Condition: `{d.condition}`. It holds for {d.n_of_interest} of {n} samples "
        f"({d.n_of_interest / n:.0%})"
        + (f"; {d.dropped} samples left out (failed runs)" if d.dropped else "")
        + f". Each sample's outputs are its means over replications. Outputs read: {reads}."
    )
    how = (
        "PRIM peels the parameter space towards the cases of interest; each step trades coverage (the share "
        "of all cases of interest inside the box) for density (the share of the box's samples that are of "
        f"interest). The chosen step is the one with the highest coverage whose density reaches "
        f"{d.settings.get('min_density', 0.8):g} (else the densest). A limit's quasi-p-value (qp) is a one-sided "
        "binomial test against the box without that limit: small means the limit matters. CART is a second "
        "view: a shallow classification tree whose leaves are boxes too."
    )
    boxes_md = "\n\n".join(
        f"### PRIM box {k + 1}: coverage {b.stats['coverage']:.2f}, density {b.stats['density']:.2f}, "
        f"mass {b.stats['mass']:.2f}\n\n" + markdown_table(b.limits)
        for k, b in enumerate(d.boxes)  # loop: boxes
    )
    leaves_md = markdown_table(d.leaves)
    name = title or "Scenario discovery"
    md = f"""# {name}

{intro}

{how}

## PRIM

![Peeling trajectory](prim_trajectory.png)

{boxes_md}

![Box limits](prim_boxes.png)

![Cases](cases.png)

## CART

![CART tree](cart_tree.png)

{leaves_md}

```
{d.tree_text}```
"""
    (folder / "discovery.md").write_text(md, encoding="utf-8")

    def img(file: str, alt: str) -> str:
        return (
            f'<p><img src="data:image/png;base64,{base64.b64encode(images[file]).decode()}" alt="{alt}"></p>'
        )

    def table(t: pd.DataFrame) -> str:
        return t.to_html(index=False, float_format=lambda v: f"{v:,.4g}")

    boxes_html = "".join(
        f"<h3>PRIM box {k + 1}: coverage {b.stats['coverage']:.2f}, density {b.stats['density']:.2f}, "
        f"mass {b.stats['mass']:.2f}</h3>{table(b.limits)}"
        for k, b in enumerate(d.boxes)  # loop: boxes
    )
    body = f"""<h1>{html.escape(name)}</h1><p>{html.escape(intro)}</p><p>{html.escape(how)}</p>
<h2>PRIM</h2>{img("prim_trajectory.png", "Peeling trajectory")}{boxes_html}
{img("prim_boxes.png", "Box limits")}{img("cases.png", "Cases")}
<h2>CART</h2>{img("cart_tree.png", "CART tree")}{table(d.leaves)}<pre>{html.escape(d.tree_text)}</pre>"""
    write(folder / "report.html", name, body)
    return [
        "discovery.md",
        "report.html",
        *images,
        "prim_trajectory.csv",
        "prim_boxes.csv",
        "cart_leaves.csv",
        "cases.csv",
    ]
