"""The headline at the top of a run's report: what each arm's money bought, for whom, and how sure.

One block per arm other than the reference (``counterfactual.headline``): the plain-language
sentences, then who gained and who lost as separate lines (participants, the rest of the region,
the displaced), each with its change per person and in total over the horizon, with 95% intervals.

Reads: the headlines it is handed. Writes: nothing (HTML text).
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sectorsim.metrics import arm_label

if TYPE_CHECKING:
    from sectorsim.counterfactual import ArmHeadline


def headline_html(heads: list[ArmHeadline], reference: str) -> str:
    """The headline section: one block per arm, with an id (``headline``) a reader or test can find."""
    if not heads:
        return ""
    blocks = []
    for h in heads:  # loop: arms
        sentences = "".join(f"<li>{html.escape(s)}</li>" for s in h.sentences)  # loop: sentences
        rows = "".join(
            f"<tr><th{' style="padding-left:2em"' if who.startswith(' ') else ''}>{html.escape(who.strip())}</th>"
            f"<td>{n}</td><td>{html.escape(each)}</td><td>{html.escape(total)}</td></tr>"
            for who, n, each, total in h.lines  # loop: the three lines
        )
        blocks.append(
            f'<div class="arm-headline" data-arm="{html.escape(h.arm)}"><h3>{html.escape(arm_label(h.arm))}</h3>'
            f"<p><small>{html.escape(h.description)}</small></p><ul>{sentences}</ul>"
            "<table><tr><th>who</th><th>people</th><th>earnings change per person over the horizon [95% CI]</th>"
            f"<th>in all [95% CI]</th></tr>{rows}</table></div>"
        )
    return (
        f'<section id="headline"><h2>The answer: what each policy bought, compared with '
        f"{html.escape(arm_label(reference))}</h2>"
        "<p>Each person's earnings under the policy are set against the <i>same person's</i> earnings in "
        "the same replication without it (common random numbers make this counterfactual exact); the "
        "intervals are over replications. A difference is <i>distinguishable from noise</i> when its 95% "
        "interval excludes 0.</p>"
        f"{''.join(blocks)}</section>"
    )
