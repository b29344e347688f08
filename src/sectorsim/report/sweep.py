"""The report of a sensitivity analysis: replication noise, index plots, outputs against parameters.

Which plots a method gets comes from its entry in the method table
(:data:`sectorsim.sweep.methods.METHODS`): bars of its ``bars`` indices with their intervals, and a
scatter of its ``scatter`` pair. Outputs are shown by their metric's label in the registry.

Reads: a sweep folder's ``experiment.json`` contents and the analysis tables. Writes: ``report.html``.
"""

from __future__ import annotations

import html
import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sectorsim.report.page import figures, panels, write
from sectorsim.sweep.analysis import output_label
from sectorsim.sweep.methods import METHODS

#: How an index is written on a plot axis.
INDEX_LABELS = {"mu_star": "mu*"}


def _short(names: list[str]) -> list[str]:
    """Parameter paths shortened for tick labels (the last key of a deep path)."""
    return [textwrap.fill(n.split(".")[-1] if n.count(".") > 2 else n, 18) for n in names]  # loop: names


def index_bars_figure(indices: pd.DataFrame, meta: dict[str, Any], outputs: list[str]) -> plt.Figure:
    """The method's bar indices with their 95% intervals, one panel per output."""
    kinds = METHODS[meta["experiment"]["method"]].bars
    names = meta["problem"]["names"]
    fig, axes = panels(len(outputs), 3.6, 3.4, sharey=True)
    width = 0.8 / len(kinds)
    for ax, out in zip(axes, outputs, strict=True):  # loop: outputs
        sub = indices[indices["output"] == out]
        for k, kind in enumerate(kinds):  # loop: the method's indices
            rows = sub[sub["index"] == kind].set_index("parameter").reindex(names)
            ax.bar(
                np.arange(len(names)) + k * width,
                rows["value"],
                width,
                yerr=rows["conf"].fillna(0),
                capsize=3,
                label=INDEX_LABELS.get(kind, kind),
            )
        ax.set_xticks(
            np.arange(len(names)) + width * (len(kinds) - 1) / 2,
            _short(names),
            rotation=60,
            fontsize=7,
            ha="right",
        )
        ax.set_title(textwrap.fill(output_label(out), 30), fontsize=8)
        ax.axhline(0, color="grey", lw=0.6)
    axes[0].legend(fontsize=8)
    fig.suptitle("Sensitivity indices (95% CI)")
    return fig


def index_scatter_figure(indices: pd.DataFrame, meta: dict[str, Any], outputs: list[str]) -> plt.Figure:
    """The method's scatter pair (Morris: mu* against sigma), one panel per output."""
    method = METHODS[meta["experiment"]["method"]]
    assert method.scatter is not None
    x_kind, y_kind = method.scatter
    names = meta["problem"]["names"]
    fig, axes = panels(len(outputs), 3.6, 3.4)
    for ax, out in zip(axes, outputs, strict=True):  # loop: outputs
        sub = indices[indices["output"] == out]
        x = sub[sub["index"] == x_kind].set_index("parameter").reindex(names)["value"]
        y = sub[sub["index"] == y_kind].set_index("parameter").reindex(names)["value"]
        ax.scatter(x, y)
        for n, xi, yi in zip(_short(names), x, y, strict=True):  # loop: parameters
            ax.annotate(n, (xi, yi), fontsize=7)
        ax.set_xlabel(INDEX_LABELS.get(x_kind, x_kind))
        ax.set_ylabel(INDEX_LABELS.get(y_kind, y_kind))
        ax.set_title(textwrap.fill(output_label(out), 30), fontsize=8)
    x_label, y_label = (INDEX_LABELS.get(k, k) for k in method.scatter)  # loop: the pair
    fig.suptitle(f"{method.title}: {x_label} against {y_label}")
    return fig


def outputs_figure(meta: dict[str, Any], tables: dict[str, pd.DataFrame]) -> plt.Figure:
    """Each output (mean over replications) against each parameter: outputs in rows."""
    outputs = list(tables)
    names = meta["problem"]["names"]
    short = _short(names)
    X = np.array(meta["X"], float)
    fig, axes = plt.subplots(
        len(outputs), len(names), figsize=(2.4 * len(names), 2.0 * len(outputs)), squeeze=False
    )
    for i, out in enumerate(outputs):  # loop: outputs
        Y = tables[out].mean(axis=1).to_numpy(float)
        for j in range(len(names)):  # loop: parameters
            ax = axes[i][j]
            ax.scatter(X[:, j], Y, s=6, alpha=0.6)
            if i == len(outputs) - 1:
                ax.set_xlabel(short[j], fontsize=7)
            if j == 0:
                ax.set_ylabel(textwrap.fill(output_label(out), 22), fontsize=7)
            ax.tick_params(labelsize=6)
    fig.suptitle("Outputs (mean over replications) against each parameter", y=1.0)
    return fig


def sensitivity_figures(
    indices: pd.DataFrame, meta: dict[str, Any], tables: dict[str, pd.DataFrame]
) -> list[plt.Figure]:
    """The method's index plots (bars, scatter, as its table entry says), then outputs vs parameters."""
    method = METHODS[meta["experiment"]["method"]]
    outputs = list(tables)
    figs = []
    if method.bars and not indices.empty:
        figs.append(index_bars_figure(indices, meta, outputs))
    if method.scatter and not indices.empty:
        figs.append(index_scatter_figure(indices, meta, outputs))
    figs.append(outputs_figure(meta, tables))
    return figs


def _labelled(table: pd.DataFrame, keep_name: bool) -> pd.DataFrame:
    """A table whose outputs are shown by their labels; ``keep_name``: their CSV names next to them."""
    shown = table.rename(columns={"output": "column"}) if keep_name else table.drop(columns="output")
    shown.insert(0, "output", [output_label(n) for n in table["output"]])  # loop: rows
    return shown


def write_sensitivity_report(
    path: str, meta: dict, indices: pd.DataFrame, noise: pd.DataFrame, tables: dict[str, pd.DataFrame]
) -> None:
    """Write the sensitivity-analysis report."""
    exp = meta["experiment"]
    imgs = figures(sensitivity_figures(indices, meta, tables))
    body = f"""<h1>Sensitivity analysis: {html.escape(exp["name"])}</h1><p>{html.escape(exp["description"])}</p>
<p>Method {html.escape(exp["method"])}, {len(meta["X"]):,} samples x {len(meta["arms"])} arms x {exp["replications"]} replications
(common random numbers across arms and samples). Indices are computed on each sample's mean over replications.</p>
<h2>Replication noise</h2><p><i>noise_share</i>: share of the variance of single runs that is replication noise;
<i>noise_share_of_mean</i>: share of the variance of the sample means that is still noise. When the latter is
large (say above 0.2), the indices mostly describe noise: add replications. <i>column</i>: the output's
name in noise.csv and indices.csv.</p>
{_labelled(noise, keep_name=True).to_html(index=False, float_format=lambda v: f"{v:,.4g}")}
{imgs}
<h2>Indices</h2>{_labelled(indices, keep_name=False).to_html(index=False, float_format=lambda v: f"{v:,.4f}")}"""
    write(path, f"Sensitivity: {exp['name']}", body)
