"""The ``sectorsim`` command.

Every user mistake (a bad scenario file, a bad option, an output location that cannot be written)
ends with one line on stderr naming the file or option, the key path and what is allowed, and exit
status 2. Input files and output locations are checked before any work starts; nothing is written to
the output folder unless the command succeeds.
"""

from __future__ import annotations

import contextlib
import functools
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from typer._click import exceptions as click_errors  # typer vendors Click: its usage errors are these

from sectorsim import __version__
from sectorsim.errors import InputError, one_line
from sectorsim.outputs import check_file, check_folder, check_input_file, staged_output

app = typer.Typer(
    name="sectorsim",
    help="Agent-based simulation of regional labor markets: try sector partnerships, "
    "single-employer grants and job-quality policies before paying for them.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
out_console = Console(highlight=False)
if not out_console.is_terminal:
    out_console = Console(highlight=False, width=140)
err_console = Console(stderr=True, highlight=False)


def _scenario_path(value: str) -> Path:
    from sectorsim.shipped import scenario

    return scenario(value)


ScenarioArg = Annotated[
    Path,
    typer.Argument(
        help="Scenario YAML file, or the name of a shipped scenario (e.g. default).",
        show_default=False,
        parser=_scenario_path,
    ),
]
JobsOpt = Annotated[int | None, typer.Option(min=1, max=256, help="Worker processes (default: all cores).")]


def _version(value: bool) -> None:
    if value:
        out_console.print(f"sectorsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Sectorsim: agent-based simulation of regional labor markets."""


def progress_bar(what: str) -> Progress:
    """A progress bar with counts, elapsed time and ETA (quiet when stderr is not a terminal)."""
    return Progress(
        TextColumn(f"[bold]{what}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
        console=err_console,
        transient=False,
        disable=not err_console.is_terminal,
    )


def _overrides(replications: int | None, seed: int | None, months: int | None) -> dict:
    out: dict = {}
    if replications is not None:
        out["replications"] = replications
    if seed is not None:
        out["seed"] = seed
    if months is not None:
        out["months"] = months
    return out


@app.command()
def check(file: ScenarioArg) -> None:
    """Validate a scenario file without running it."""
    from sectorsim.scenario import load_scenario

    sc = load_scenario(file)
    arms = ", ".join(a.name + (" (reference)" if a.name == sc.reference_arm else "") for a in sc.arms)
    out_console.print(
        f"{file}: ok — scenario '{sc.name}', {sc.n_workers:,} workers in {len(sc.region.areas)} areas, "
        f"{len(sc.sectors)} sectors, {sc.burn_in}+{sc.months} months, {sc.replications} replications; "
        f"arms: {arms}"
    )


@app.command()
def run(
    file: ScenarioArg,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: results/<scenario name>).", show_default=False),
    ] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, max=10_000, help="Override the scenario's replications.")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(min=0, max=2**63 - 1, help="Override the scenario's seed.")
    ] = None,
    months: Annotated[
        int | None, typer.Option(min=1, max=1200, help="Override the months after burn-in.")
    ] = None,
    jobs: JobsOpt = None,
    budgets: Annotated[
        str | None,
        typer.Option(
            help="Also run each approach at these public budgets (e.g. 0.5M,1M,2M,4M) with the same seeds "
            "and add the budget curves to the report (as `sectorsim budgets` does).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Run every arm x replication of a scenario (paired by seed) and write tables, data and a report.

    Writes summary.csv, comparison.csv, employers.csv (each engaged employer beside the same employer
    in the reference arm), counterfactual.csv and headline.csv (each participant against the same
    person in the reference arm), timeseries.parquet and report.html to the output folder, and
    earnings_panel.parquet when the scenario sets earnings_panel: monthly or quarterly; with
    --budgets, also budgets.csv and budget_curves.csv, and the curves in the report.
    """
    from sectorsim.assessment import resolve_targets
    from sectorsim.compare import compare
    from sectorsim.report import write_report
    from sectorsim.runner import default_jobs, run_scenario, write_earnings_panel
    from sectorsim.scenario import load_scenario

    sc = load_scenario(file, _overrides(replications, seed, months))
    levels = _budget_levels(budgets, sc, file)
    out_dir = out or Path("results") / sc.name
    check_folder(out_dir)
    sc, targets = resolve_targets(sc)
    n_jobs = jobs or default_jobs()
    total = len(sc.arms) * sc.replications
    err_console.print(
        f"running '{sc.name}': {len(sc.arms)} arms x {sc.replications} replications, "
        f"{sc.n_workers:,} workers, {sc.total_months} months, {n_jobs} process{'es' if n_jobs > 1 else ''}"
    )
    start = time.perf_counter()
    with staged_output(out_dir, "run") as tmp, progress_bar("runs") as bar:
        task = bar.add_task("runs", total=total)
        results = run_scenario(sc, jobs=n_jobs, progress=lambda _r: bar.advance(task))
        comparison = compare(results.summary, sc.reference_arm)
        heads = write_counterfactual(results, comparison, tmp)
        results.summary.to_csv(tmp / "summary.csv", index=False)
        comparison.to_csv(tmp / "comparison.csv", index=False)
        results.series.to_parquet(tmp / "timeseries.parquet", index=False)
        if results.employers is not None:
            results.employers.to_csv(tmp / "employers.csv", index=False)
        if not targets.empty:
            targets.to_csv(tmp / "target_sectors.csv", index=False)
        if results.panels:
            write_earnings_panel(results, str(tmp / "earnings_panel.parquet"))
        curves_html = _budget_curves_section(sc, levels, n_jobs, tmp, bar) if levels else ""
        write_report(str(tmp / "report.html"), sc, results.series, comparison, targets, heads, curves_html)
    print_headline(heads, sc.reference_arm)
    print_comparison(comparison, sc.reference_arm)
    for t in targets.itertuples():
        out_console.print(
            f"arm '{t.arm}': target_sector auto -> '{t.target_sector}' (the needs assessment's top sector, "
            f"score {t.assessment_score:+.2f}; `sectorsim assess {file}` shows why)"
        )
    files = "report.html, summary.csv, comparison.csv, employers.csv, timeseries.parquet"
    if heads:
        files += ", counterfactual.csv, headline.csv"
    if levels:
        files += ", budgets.csv, budget_curves.csv"
    if results.panels:
        files += f", earnings_panel.parquet ({sc.earnings_panel})"
    err_console.print(f"done in {time.perf_counter() - start:.1f} s; wrote {out_dir}/ ({files})")


def _budget_levels(text: str | None, sc: Any, file: Path) -> list[float]:
    """The --budgets levels of ``run``, checked before any run (an arm must have a budget to vary)."""
    if text is None:
        return []
    from sectorsim.budgets import budgeted_arms, parse_budgets

    levels = parse_budgets(text)
    if not budgeted_arms(sc):
        raise InputError(str(file), "arms", "--budgets: no arm but the reference has a policy with a budget")
    return levels


def _budget_curves_section(sc: Any, levels: list[float], jobs: int, folder: Path, bar: Progress) -> str:
    """Run the budget curves, write budgets.csv and budget_curves.csv, return the report's section."""
    from sectorsim.budgets import budget_curves, budgeted_arms
    from sectorsim.report.budgets import budgets_figure_html, curves_table_html

    total = sc.replications * (1 + len(budgeted_arms(sc)) * len(levels))
    task = bar.add_task("budget curves", total=total)
    runs, curves = budget_curves(sc, levels, jobs=jobs, progress=lambda _r: bar.advance(task))
    runs.to_csv(folder / "budgets.csv", index=False)
    curves.to_csv(folder / "budget_curves.csv", index=False)
    return (
        "<h2>Budget curves: what each approach buys as its public budget grows</h2>"
        "<p>Each approach at each public budget with the same seeds; each point set against the same "
        "people in the same replication of the reference arm.</p>"
        + budgets_figure_html(curves, sc)
        + curves_table_html(curves)
    )


def write_counterfactual(results: Any, comparison: Any, folder: Path) -> list[Any]:
    """Write counterfactual.csv (a row per arm x replication) and headline.csv; return the headlines."""
    from sectorsim.counterfactual import analyze as analyze_counterfactual

    impacts, table, heads = analyze_counterfactual(results, comparison)
    if heads:
        impacts.to_csv(folder / "counterfactual.csv", index=False)
        table.to_csv(folder / "headline.csv", index=False)
    return heads


def print_headline(heads: list[Any], reference: str) -> None:
    """Print the headline: per arm, what the money bought, for whom, how sure; then who gained and lost."""
    from sectorsim.metrics import arm_label

    if not heads:
        return
    out_console.print(
        f"[bold]The answer, against {escape(arm_label(reference))}[/bold] (the same people, same seeds)"
    )
    for h in heads:
        out_console.print(f"\n[bold]{escape(arm_label(h.arm))}[/bold]")
        for sentence in h.sentences:
            out_console.print(f"  • {escape(sentence)}")
        table = Table(show_header=True, box=None, padding=(0, 2))
        for col in ("who", "people", "change per person over the horizon [95% CI]", "in all [95% CI]"):
            table.add_column(col, justify="left" if col == "who" else "right")
        for line in h.lines:
            table.add_row(*(escape(c) for c in line))
        out_console.print(table)
    out_console.print()


@app.command("budgets")
def budgets_command(
    file: ScenarioArg,
    budgets: Annotated[
        str,
        typer.Option(help="Public budgets to try, comma-separated, with k/M suffixes (e.g. 0.5M,1M,2M,4M)."),
    ] = "0.5M,1M,2M,4M",
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: results/<scenario name>/budgets).", show_default=False),
    ] = None,
    replications: Annotated[
        int | None, typer.Option(min=1, max=10_000, help="Override the scenario's replications.")
    ] = None,
    months: Annotated[
        int | None, typer.Option(min=1, max=1200, help="Override the months after burn-in.")
    ] = None,
    jobs: JobsOpt = None,
) -> None:
    """Budget curves: run each approach at several public budgets with the same seeds.

    Plots people served, placements and participants' earnings gain (each person against the same
    person in the reference arm) against public money spent, per approach. Writes budgets.csv
    (one row per arm, budget and replication), budget_curves.csv (means and CIs) and budgets.html.
    """
    from sectorsim.assessment import resolve_targets
    from sectorsim.budgets import budget_curves, budgeted_arms, parse_budgets
    from sectorsim.report.budgets import budgets_figure_html, curve_rows, write_budgets_report
    from sectorsim.runner import default_jobs
    from sectorsim.scenario import load_scenario

    levels = parse_budgets(budgets)
    sc = load_scenario(file, _overrides(replications, None, months))
    arms = budgeted_arms(sc)
    if not arms:
        raise InputError(str(file), "arms", "no arm but the reference has a policy with a budget to vary")
    out_dir = out or Path("results") / sc.name / "budgets"
    check_folder(out_dir)
    sc, _ = resolve_targets(sc)
    n_jobs = jobs or default_jobs()
    total = sc.replications * (1 + len(arms) * len(levels))
    err_console.print(
        f"budget curves of '{sc.name}': {len(arms)} approaches x {len(levels)} budgets x "
        f"{sc.replications} replications (+ the reference arm), {n_jobs} process{'es' if n_jobs > 1 else ''}"
    )
    start = time.perf_counter()
    with staged_output(out_dir, "budgets") as tmp, progress_bar("runs") as bar:
        task = bar.add_task("runs", total=total)
        runs, curves = budget_curves(sc, levels, jobs=n_jobs, progress=lambda _r: bar.advance(task))
        runs.to_csv(tmp / "budgets.csv", index=False)
        curves.to_csv(tmp / "budget_curves.csv", index=False)
        write_budgets_report(str(tmp / "budgets.html"), sc, curves, budgets_figure_html(curves, sc))
    rows = curve_rows(curves)
    table = Table(title=f"Budget curves of '{sc.name}' (each participant vs the same person, same seed)")
    for col in rows[0]:
        table.add_column(col, justify="left" if col == "approach" else "right")
    for r in rows:
        table.add_row(*(escape(v) for v in r.values()))
    out_console.print(table)
    err_console.print(
        f"done in {time.perf_counter() - start:.1f} s; "
        f"wrote {out_dir}/ (budgets.html, budgets.csv, budget_curves.csv)"
    )


@app.command("calibrate")
def calibrate_command(
    file: ScenarioArg,
    targets: Annotated[
        str,
        typer.Option(
            help="Targets file (YAML: targets: [{metric, low, high}]; scenarios/data/targets.yaml is an "
            "example), or 'published' for the published bands of the scenario's sectors.",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: results/<scenario name>/calibrate).", show_default=False),
    ] = None,
    trials: Annotated[
        int,
        typer.Option(min=1, max=10_000, help="Trials of the study in all (a resumed study counts its own)."),
    ] = 60,
    replications: Annotated[
        int, typer.Option(min=1, max=100, help="Seeds each trial runs the no-policy arm with.")
    ] = 2,
    months: Annotated[
        int | None, typer.Option(min=1, max=1200, help="Override the months after burn-in while fitting.")
    ] = None,
) -> None:
    """Fit the labor-market parameters marked 'calibration' in docs/ODD.md to a region's own targets.

    Runs an Optuna study (stored in OUT/study.optuna.db: run the same command again to resume it),
    shows progress, and writes OUT/calibrated.yaml (the scenario with the fitted values, only when
    every band is met), OUT/fit_report.csv (target, band, start, fitted, met) and
    OUT/fit_parameters.csv (which parameters moved). Exits 1 if a band is still missed.
    """
    import copy

    from sectorsim.fitting import Problem, calibrate, calibrated_yaml, read_targets
    from sectorsim.scenario.loading import resolve_extends, set_path, validate

    if targets != "published":
        check_input_file(Path(targets), "--targets")
    raw = resolve_extends(file)
    fit_raw = copy.deepcopy(raw)
    if months is not None:
        set_path(fit_raw, "months", months)
    sc = validate(copy.deepcopy(fit_raw), str(file))
    bands = read_targets(targets, sc)
    problem = Problem(fit_raw, bands, replications, str(file))
    out_dir = out or Path("results") / sc.name / "calibrate"
    check_folder(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    db = out_dir / "study.optuna.db"
    err_console.print(
        f"calibrating '{sc.name}' (arm '{problem.arm}') to {len(bands)} targets: {len(problem.params)} "
        f"parameters, at most {trials} trials of {replications} run(s); study in {db} (resumable)"
    )
    start = time.perf_counter()
    with progress_bar("trials") as bar:
        task = bar.add_task("trials", total=trials)

        def shown(done: int, best: float, met: int) -> None:
            bar.update(task, completed=done, description=f"trials (best {best:.3g}, {met}/{len(bands)} met)")

        fit = calibrate(problem, db, trials, progress=shown)
    report, moved = fit.report(), fit.moved()
    with staged_output(out_dir, "calibrate") as tmp:
        report.to_csv(tmp / "fit_report.csv", index=False)
        moved.to_csv(tmp / "fit_parameters.csv", index=False)
        if fit.met:
            header = (
                f"Calibrated by `sectorsim calibrate {file} --targets {targets}`: every one of the "
                f"{len(bands)} bands met\nafter {fit.trials} trials (Optuna study {fit.study_name}); "
                "see fit_report.csv and fit_parameters.csv."
            )
            text = calibrated_yaml(raw, problem.values(fit.multipliers), header)
            (tmp / "calibrated.yaml").write_text(text, encoding="utf-8")
    print_fit(report, moved)
    missed = report[~report["met"]]
    took = f"{fit.trials} trials ({fit.new_trials} new), {time.perf_counter() - start:.0f} s"
    if not missed.empty:
        err_console.print(
            f"{len(missed)} of {len(bands)} bands still missed after {took}: "
            f"{', '.join(missed['metric'])}; calibrated.yaml not written. Run again with more --trials "
            f"to continue the same study, or widen those bands."
        )
        raise typer.Exit(1)
    err_console.print(
        f"every band met after {took}; wrote {out_dir}/calibrated.yaml, fit_report.csv, fit_parameters.csv; "
        f"next: sectorsim run {out_dir}/calibrated.yaml"
    )


def print_fit(report: Any, moved: Any) -> None:
    """Print the fit report: every target with its band and value, then the parameters that moved."""
    table = Table(title="Fit: every target, its band, the value before and after")
    for col in ("target", "band", "start", "fitted", "met"):
        table.add_column(col, justify="left" if col == "target" else "right")
    for r in report.itertuples():
        table.add_row(
            escape(str(r.target)),
            f"{r.low:.4g} – {r.high:.4g}",
            f"{r.start:.4g}",
            f"{r.fitted:.4g}",
            "yes" if r.met else "NO",
        )
    out_console.print(table)
    params = Table(title="Parameters moved (docs/ODD.md: calibration)")
    for col in ("parameter", "start", "fitted", "change"):
        params.add_column(col, justify="left" if col == "parameter" else "right")
    for r in moved.itertuples():
        params.add_row(escape(str(r.parameter)), f"{r.start:.4g}", f"{r.fitted:.4g}", f"{r.change_pct:+.0f}%")
    out_console.print(params)


@app.command()
def evaluate(
    file: ScenarioArg,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: results/<scenario name>/evaluation).", show_default=False),
    ] = None,
    replications: Annotated[
        int | None, typer.Option(min=2, max=10_000, help="Override the replications.")
    ] = None,
    jobs: JobsOpt = None,
) -> None:
    """Run the scenario's randomized evaluation: impacts by year and quarter, by group, cost-benefit.

    Writes impacts.csv, impacts_quarterly.csv, subgroups.csv, costbenefit.csv and report.html.
    """
    from sectorsim.assessment import resolve_targets
    from sectorsim.evaluation import cost_benefit, impacts, run_evaluation, subgroup_impacts
    from sectorsim.report import write_evaluation_report
    from sectorsim.runner import default_jobs
    from sectorsim.scenario import load_scenario

    sc = load_scenario(file, _overrides(replications, None, None))
    if sc.evaluation is None:
        raise InputError(
            str(file), "evaluation", "the scenario has no evaluation block (see docs/ODD.md, 'Evaluation')"
        )
    out_dir = out or Path("results") / sc.name / "evaluation"
    check_folder(out_dir)
    sc, _ = resolve_targets(sc)
    assert sc.evaluation is not None  # checked above; resolving targets keeps the block
    n_jobs = jobs or default_jobs()
    err_console.print(
        f"evaluating '{sc.name}': {sc.evaluation.applicants:,} applicants, {sc.replications} replications "
        f"(each with and without access), {n_jobs} process{'es' if n_jobs > 1 else ''}"
    )
    start = time.perf_counter()
    with staged_output(out_dir, "evaluate") as tmp, progress_bar("replications") as bar:
        task = bar.add_task("replications", total=sc.replications)
        runs = run_evaluation(sc, jobs=n_jobs, progress=lambda _r: bar.advance(task))
        yearly, quarterly = impacts(runs, 12), impacts(runs, 3)
        subgroups, costs = subgroup_impacts(runs, sc), cost_benefit(runs, yearly)
        yearly.to_csv(tmp / "impacts.csv", index=False)
        quarterly.to_csv(tmp / "impacts_quarterly.csv", index=False)
        subgroups.to_csv(tmp / "subgroups.csv", index=False)
        costs.to_csv(tmp / "costbenefit.csv", index=False)
        write_evaluation_report(str(tmp / "report.html"), sc, yearly, quarterly, subgroups, costs)
    print_impacts(yearly, costs)
    found = float(yearly["n_treatment"].iloc[0] + yearly["n_control"].iloc[0])
    if found < sc.evaluation.applicants:
        err_console.print(
            f"note: only {found:,.0f} of the {sc.evaluation.applicants:,} requested applicants were eligible "
            "and willing in the assignment window (widen eligibility or window_months for a larger study)"
        )
    err_console.print(f"done in {time.perf_counter() - start:.1f} s; wrote {out_dir}/")


def print_impacts(yearly, costs) -> None:  # noqa: ANN001 - DataFrames
    """Print the yearly impact table and the cost-benefit line."""
    table = Table(title="Earnings impact by year after random assignment (annual $, 95% CI)")
    for col in (
        "year",
        "treatment",
        "control",
        "impact [95% CI]",
        "impact %",
        "employment pp",
        "in sector pp",
        "true effect",
    ):
        table.add_column(col, justify="right")
    for r in yearly.itertuples():
        table.add_row(
            str(r.year),
            f"{r.treatment_earnings:,.0f}",
            f"{r.control_earnings:,.0f}",
            f"{r.earnings_impact:+,.0f} [{r.ci_low:,.0f}, {r.ci_high:,.0f}]",
            f"{r.earnings_impact_pct:+.1f}%",
            f"{r.employment_impact_pp:+.1f}",
            f"{r.in_sector_impact_pp:+.1f}",
            f"{r.true_effect:+,.0f}",
        )
    out_console.print(table)
    c = costs.iloc[0]
    out_console.print(
        f"cost per participant ${c.cost_per_participant:,.0f}; cumulative gain per treatment member "
        f"${c.cumulative_earnings_gain:,.0f} over {c.follow_up_years} years; "
        f"benefit-cost ratio {c.benefit_cost_ratio:.2f}"
    )


@app.command()
def assess(
    file: ScenarioArg,
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: results/<scenario name>/assessment).", show_default=False),
    ] = None,
) -> None:
    """Regional needs assessment: rank sectors by concentration, growth, ladders, vacancies, turnover.

    Writes assessment.csv (sectors with every part of the score), assessment_areas.csv and report.html.
    """
    from sectorsim.assessment import assess as run_assess
    from sectorsim.report import write_assessment_report
    from sectorsim.scenario import load_scenario

    sc = load_scenario(file)
    out_dir = out or Path("results") / sc.name / "assessment"
    check_folder(out_dir)
    with staged_output(out_dir, "assess") as tmp:
        sectors, areas = run_assess(sc)
        sectors.to_csv(tmp / "assessment.csv", index=False)
        areas.to_csv(tmp / "assessment_areas.csv", index=False)
        write_assessment_report(str(tmp / "report.html"), sc, sectors, areas)
    table = Table(
        title=f"Needs assessment of '{sc.name}': sectors ranked (points = weight x standardized part)"
    )
    cols = [
        "rank",
        "sector",
        "score",
        "LQ",
        "growth %/yr",
        "ladder gain",
        "vacancy %",
        "turnover",
        "could climb",
    ]
    for c in cols:
        table.add_column(c, justify="left" if c == "sector" else "right")
    r: Any  # a row of a data frame: its fields are dynamically typed
    for r in sectors.itertuples():
        table.add_row(
            str(r.rank),
            r.sector,
            f"{r.score:+.2f}",
            f"{r.location_quotient:.2f} ({r.points_location_quotient:+.2f})",
            f"{100 * r.growth:+.1f} ({r.points_growth:+.2f})",
            f"{100 * r.wage_gain:.0f}% ({r.points_wage_gain:+.2f})",
            f"{100 * r.vacancy_rate:.1f} ({r.points_vacancy_rate:+.2f})",
            f"{r.turnover:.2f} ({r.points_turnover:+.2f})",
            f"{100 * r.climb_share:.0f}% ({r.points_climb_share:+.2f})",
        )
    out_console.print(table)
    err_console.print(f"wrote {out_dir}/ (assessment.csv, assessment_areas.csv, report.html)")


@app.command("init-region")
def init_region(
    qcew: Annotated[
        Path, typer.Option(help="QCEW extract (CSV): employment and wages by county and industry.")
    ],
    oews: Annotated[Path, typer.Option(help="OEWS extract (CSV): wages by occupation.")],
    commuting: Annotated[Path, typer.Option(help="County-to-county commuting flows (CSV).")],
    out: Annotated[Path, typer.Option(help="Scenario file to write.")],
    name: Annotated[str, typer.Option(help="Scenario name (letters, digits, _ and -).")] = "my_region",
    workers: Annotated[int, typer.Option(min=100, max=50_000_000, help="Simulated labor force.")] = 20_000,
    force: Annotated[bool, typer.Option(help="Overwrite --out if it exists.")] = False,
) -> None:
    """Build a scenario from public-statistics extracts (QCEW, OEWS, commuting flows)."""
    import yaml

    from sectorsim.region_import import HEADER, build_scenario
    from sectorsim.scenario.loading import validate

    for option, given in (("--qcew", qcew), ("--oews", oews), ("--commuting", commuting)):  # loop: inputs
        check_input_file(given, option)
    check_file(out, "--out", overwrite=force)
    raw = build_scenario(qcew, oews, commuting, name=name, workers=workers)
    validate(raw, str(out))  # the scenario must be valid before anything is written
    text = HEADER + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True, width=110)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    sectors = ", ".join(s["name"] for s in raw["sectors"])
    out_console.print(
        f"wrote {out}: {len(raw['region']['areas'])} areas, sectors {sectors}; "
        f"check it with `sectorsim check {out}`"
    )


@app.command()
def sweep(
    experiment: Annotated[
        Path, typer.Argument(help="Experiment YAML file (experiments/*.yaml).", show_default=False)
    ],
    out: Annotated[
        Path | None,
        typer.Option(help="Output folder (default: results/sweeps/<experiment name>).", show_default=False),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option(min=1, max=256, help="Local worker processes (default: all cores).")
    ] = None,
    scheduler: Annotated[
        str | None, typer.Option(help="Address of a running dask.distributed scheduler (tcp://host:port).")
    ] = None,
    dask_local: Annotated[
        int | None,
        typer.Option("--dask-local", min=1, max=1024, help="Start a Dask LocalCluster with N workers."),
    ] = None,
) -> None:
    """Run (or resume) a parameter sweep; every finished run is streamed to OUT/runs (Parquet).

    Run again with the same --out to resume: finished runs are skipped. Then: sectorsim analyze OUT.
    """
    from sectorsim.runner import default_jobs
    from sectorsim.sweep import load_experiment, run_sweep
    from sectorsim.sweep.execute import check_resumable

    if scheduler and dask_local:
        raise InputError("--scheduler, --dask-local", "", "give one of them, not both")
    exp, raw = load_experiment(experiment)
    out_dir = out or Path("results") / "sweeps" / exp.name
    check_folder(out_dir)
    check_resumable(exp, raw, out_dir, str(experiment))
    if scheduler:
        from sectorsim.pool import check_scheduler

        check_scheduler(scheduler)  # before anything is written: a bad address leaves nothing behind
    n_jobs = jobs or default_jobs()
    where = (
        f"Dask at {scheduler}"
        if scheduler
        else f"a Dask LocalCluster of {dask_local}"
        if dask_local
        else f"{n_jobs} process(es)"
    )
    err_console.print(f"sweep '{exp.name}': method {exp.method}, writing to {out_dir}/runs, on {where}")
    start = time.perf_counter()
    with progress_bar("runs") as bar:
        task = bar.add_task("runs", total=None)

        def report(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        run_sweep(
            exp,
            raw,
            out_dir,
            jobs=n_jobs,
            scheduler=scheduler,
            dask_local=dask_local,
            progress=report,
            experiment_file=str(experiment),
            notice=lambda line: err_console.print(f"note: {escape(line)}"),
        )
    from sectorsim.sweep import read_runs

    runs = read_runs(out_dir)
    failed = int((runs["error"] != "").sum())
    msg = f"{len(runs):,} runs in {out_dir}/runs ({failed} failed); {time.perf_counter() - start:.1f} s"
    err_console.print(msg + f"; next: sectorsim analyze {out_dir}")


def check_sweep_folder(folder: Path) -> None:
    """Refuse a folder that is not a readable sweep folder or cannot be written, before any analysis.

    Raises:
        InputError: no experiment.json, one that is not a sweep's, or a folder that cannot be written.
    """
    import json

    meta_path = folder / "experiment.json"
    if not meta_path.is_file():
        raise InputError(
            str(folder), "", "not a sweep folder (no experiment.json); run sectorsim sweep first"
        )
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise InputError(
            str(meta_path), "", f"cannot be read ({exc.__class__.__name__}); run sectorsim sweep again"
        ) from None
    needed = ("experiment", "problem", "X", "arms", "metrics")
    if not isinstance(meta, dict) or any(k not in meta for k in needed):
        raise InputError(
            str(meta_path),
            "",
            f"is not a sweep's record (it needs {', '.join(needed)}); run sectorsim sweep again",
        )
    check_folder(folder, "")


@app.command()
def analyze(
    folder: Annotated[Path, typer.Argument(help="A sweep's output folder.", show_default=False)],
) -> None:
    """Sensitivity indices (SALib) with CIs per output, and the share of variance that is replication noise.

    Writes indices.csv, noise.csv and report.html into the folder.
    """
    import json

    from sectorsim.report import write_sensitivity_report
    from sectorsim.sweep import METHODS, output_table, read_runs
    from sectorsim.sweep import analyze as run_analyze

    check_sweep_folder(folder)
    indices, noise = run_analyze(folder)
    meta = json.loads((folder / "experiment.json").read_text())
    tables = output_table(meta, read_runs(folder))
    with staged_output(folder, "analyze") as tmp:
        indices.to_csv(tmp / "indices.csv", index=False)
        noise.to_csv(tmp / "noise.csv", index=False)
        write_sensitivity_report(str(tmp / "report.html"), meta, indices, noise, tables)
    table = Table(title=f"Sensitivity ({meta['experiment']['method']}): largest index per output")
    for c in ("output", "top parameter", "index", "value [95% CI]", "noise share of mean"):
        table.add_column(c, justify="left" if c in ("output", "top parameter") else "right")
    for out_name in noise["output"]:
        headline = METHODS[meta["experiment"]["method"]].headline
        sub = indices[(indices["output"] == out_name) & (indices["index"] == headline)]
        nz = noise[noise["output"] == out_name].iloc[0]
        if sub.empty:
            table.add_row(escape(out_name), "–", "–", "–", f"{nz.noise_share_of_mean:.2f}")
            continue
        top = sub.loc[sub["value"].abs().idxmax()]
        table.add_row(
            escape(out_name),
            escape(str(top.parameter)),
            str(top["index"]),
            f"{top.value:.3f} ± {top.conf:.3f}",
            f"{nz.noise_share_of_mean:.2f}",
        )
    out_console.print(table)
    err_console.print(f"wrote {folder}/indices.csv, noise.csv, report.html")


# ---- scenario discovery (sectorsim discover) ------------------------------------------------------


@app.command()
def discover(
    folder: Annotated[Path, typer.Argument(help="A finished sweep's output folder.", show_default=False)],
    where: Annotated[
        str,
        typer.Option(
            help="Condition on the sweep's outputs marking the cases of interest, e.g. "
            "'earnings_mean\\[sector_partnership - single_employer] >= 25' (outputs as in indices.csv; "
            "numbers, + - * /, < <= > >= == !=, and or not, parentheses).",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: FOLDER/discovery).", show_default=False)
    ] = None,
    boxes: Annotated[int, typer.Option(min=1, max=10, help="Most PRIM boxes to find.")] = 1,
    min_density: Annotated[
        float,
        typer.Option(
            min=0.0, max=1.0, help="The chosen box: the highest coverage whose density reaches this."
        ),
    ] = 0.8,
    mass_min: Annotated[
        float, typer.Option(min=0.001, max=0.5, help="Smallest share of the samples a box or leaf holds.")
    ] = 0.05,
    cart_depth: Annotated[int, typer.Option(min=1, max=8, help="Depth of the CART tree.")] = 3,
) -> None:
    """Scenario discovery: under which parameter values does a condition on a sweep's outputs hold?

    PRIM boxes (peeling trajectory, limits with quasi-p-values, coverage and density) and a CART tree.
    Writes discovery.md, report.html, PNG plots and CSV tables into --out.
    """
    from sectorsim.report.discovery import write_discovery_report
    from sectorsim.sweep.discovery import discover as run_discovery

    check_sweep_folder(folder)
    out_dir = out or folder / "discovery"
    check_folder(out_dir)
    found = run_discovery(
        folder, where, boxes=boxes, min_density=min_density, mass_min=mass_min, cart_depth=cart_depth
    )
    with staged_output(out_dir) as tmp:
        written = write_discovery_report(tmp, found, title=f"Scenario discovery: {folder.name}")
    n = len(found.cases)
    out_console.print(
        f"{escape(found.condition)}: holds for {found.n_of_interest} of {n} samples"
        + (f" ({found.dropped} left out: failed runs)" if found.dropped else "")
    )
    for k, box in enumerate(found.boxes):  # loop: boxes
        s = box.stats
        table = Table(
            title=f"PRIM box {k + 1}: coverage {s['coverage']:.2f}, density {s['density']:.2f}, "
            f"mass {s['mass']:.2f} (step {box.chosen} of {len(box.trajectory) - 1})"
        )
        for c in ("parameter", "low", "high", "sampled range", "quasi-p"):  # loop: columns
            table.add_column(c, justify="left" if c == "parameter" else "right")
        for r in box.limits.itertuples():  # loop: restricted parameters
            table.add_row(
                escape(str(r.parameter)),
                f"{r.low:.4g}",
                f"{r.high:.4g}",
                f"{r.range_low:.4g} to {r.range_high:.4g}",
                f"{r.qp:.2g}",
            )
        if box.limits.empty:
            table.add_row("(no parameter restricted)", "", "", "", "")
        out_console.print(table)
    cart = Table(title="CART leaves classified as the condition holding")
    for c in ("rule", "samples", "density", "coverage"):  # loop: columns
        cart.add_column(c, justify="left" if c == "rule" else "right")
    for leaf in found.leaves[found.leaves["predicts"]].itertuples():  # loop: tree leaves
        cart.add_row(escape(str(leaf.rule)), str(leaf.samples), f"{leaf.density:.2f}", f"{leaf.coverage:.2f}")
    out_console.print(cart)
    err_console.print(f"wrote {out_dir}/: {', '.join(written)}")


@app.command("app")
def workshop_app(
    scenario: Annotated[
        Path | None,
        typer.Argument(
            help="Scenario whose region the app uses: a file or a shipped scenario's name (default: default)."
        ),
    ] = None,
    port: Annotated[int, typer.Option(min=1024, max=65535, help="Port to listen on.")] = 8765,
    host: Annotated[str, typer.Option(help="Address to bind (127.0.0.1: this machine only).")] = "127.0.0.1",
) -> None:
    """Workshop app in the browser: one region, two policies, side by side, live (Mesa SolaraViz).

    Open http://HOST:PORT/ after it starts. Works offline (front-end assets are served locally).
    """
    import os

    from sectorsim.shipped import scenario as shipped_scenario

    if scenario is not None:
        from sectorsim.scenario import load_scenario

        scenario = shipped_scenario(scenario)
        load_scenario(scenario)  # a bad file is reported here, as for every other command
    env = {**os.environ}
    if scenario is not None:
        env["SECTORSIM_APP_SCENARIO"] = str(scenario.resolve())
    err_console.print(f"workshop app on http://{host}:{port}/  (Ctrl-C stops it)")
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sectorsim.app",
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-open",
        "--log-level",
        "warning",
    ]
    raise typer.Exit(serve(cmd, env))


class _StopSignalError(Exception):
    """Raised in the main thread when the command is asked to stop (SIGTERM, SIGHUP)."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child, between fork and exec
    """In the server's process: be sent SIGTERM when this command's process dies (Linux)."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(cmd: list[str], env: dict[str, str], grace: float = 5.0) -> int:
    """Run a server process until it exits or this command is stopped; never leave it running.

    SIGINT (Ctrl-C), SIGTERM and SIGHUP to this process stop the server (SIGTERM, then SIGKILL after
    ``grace`` seconds); if this process is killed outright, the server is sent SIGTERM by the kernel.

    Returns:
        The server's exit status, or 0 when it was stopped.
    """
    import signal
    import subprocess

    def stop(_signum: int, _frame: object) -> None:
        raise _StopSignalError

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGHUP)}  # loop: signals
    proc = subprocess.Popen(cmd, env=env, preexec_fn=_die_with_parent)  # no threads yet: preexec_fn is safe
    try:
        return proc.wait()
    except (KeyboardInterrupt, _StopSignalError):
        return 0
    finally:
        for sig, handler in previous.items():  # loop: signals
            signal.signal(sig, handler)
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@app.command()
def calibration(
    file: Annotated[
        str,
        typer.Argument(help="Scenario YAML file, or the name of a shipped scenario."),
    ] = "default",
    replications: Annotated[
        int, typer.Option(min=1, max=1000, help="Replications of the no-policy arm.")
    ] = 10,
) -> None:
    """Check a scenario's no-policy market against the published flow bands (JOLTS, CPS).

    A sector gets the JOLTS separations band of the industry its name names (health care,
    manufacturing, retail, accommodation and food services); the region-wide bands always apply;
    other sectors are listed with 'no published band'. Exits with status 1 if a band is missed.
    """
    from sectorsim.calibration import NO_BAND, flow_table
    from sectorsim.scenario import load_scenario
    from sectorsim.shipped import scenario as shipped_scenario

    sc = load_scenario(shipped_scenario(file))
    table = flow_table(sc, replications=replications)
    print_evidence(table, f"'{sc.name}', arm '{sc.reference_arm}', mean of {replications} replications")
    banded = table[table["kind"] != NO_BAND]
    if not banded["passed"].all():
        raise typer.Exit(1)


@app.command()
def evidence(
    out: Annotated[Path, typer.Option(help="Output folder for evidence.csv.")] = Path("results/evidence"),
    replications: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=1000,
            help="Replications per program scenario (default: each file's; flows always use 10). "
            "1 is a quick smoke run: single draws, no confidence intervals.",
        ),
    ] = None,
    jobs: JobsOpt = None,
    docs: Annotated[
        Path | None,
        typer.Option(help="Also write the validation page here (docs/VALIDATION.md).", show_default=False),
    ] = None,
) -> None:
    """Hold the model against published evidence: labor-market flows and program evaluations.

    Runs the default region's no-policy arm and every scenario in scenarios/evidence/ through the
    randomized evaluation; prints target vs simulated with pass or fail; writes evidence.csv.
    """
    from sectorsim.evidence import PROGRAM_TARGETS, evidence_table, validation_markdown
    from sectorsim.runner import default_jobs

    check_folder(out)
    if docs is not None:
        check_file(docs, "--docs", folder_must_exist=True)
    n_jobs = jobs or default_jobs()
    steps = 1 + len({t.scenario for t in PROGRAM_TARGETS})
    start = time.perf_counter()
    with staged_output(out, "evidence") as tmp, progress_bar("evidence") as bar:
        task = bar.add_task("evidence", total=steps)
        table = evidence_table(replications=replications, jobs=n_jobs, progress=lambda _s: bar.advance(task))
        table.to_csv(tmp / "evidence.csv", index=False)
    print_evidence(table, "sectorsim against published evidence")
    if replications == 1:
        err_console.print(
            "1 replication per program scenario: each program row is a single draw, with no "
            "confidence interval (the flow rows use 10 replications)"
        )
    if docs is not None:
        docs.write_text(validation_markdown(table, replications), encoding="utf-8")
        err_console.print(f"wrote {docs}")
    passed = int(table["passed"].sum())
    err_console.print(
        f"{passed} of {len(table)} rows pass; {time.perf_counter() - start:.0f} s; wrote {out}/evidence.csv"
    )


def print_evidence(table, title: str) -> None:  # noqa: ANN001 - a DataFrame
    """Print target, band, simulated value and pass/fail."""
    out = Table(title=title)
    for col in ("target", "band", "simulated", "passed"):
        out.add_column(col, justify="left" if col == "target" else "right")
    for r in table.itertuples():
        kind = getattr(r, "kind", "band")
        if kind == "no published band":
            out.add_row(r.target, kind, f"{r.simulated:,.4g}", "–")
            continue
        band = f"<= {r.high:,.4g}" if kind == "upper_bound" else f"{r.low:,.4g} – {r.high:,.4g}"
        out.add_row(r.target, band, f"{r.simulated:,.4g}", "yes" if r.passed else "NO")
    out_console.print(out)


@app.command()
def bench(
    workers: Annotated[
        int | None, typer.Option(min=100, max=50_000_000, help="Rescale the region to N workers.")
    ] = None,
    months: Annotated[int | None, typer.Option(min=1, max=1200, help="Months after burn-in.")] = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Print one JSON object instead of a table.")
    ] = False,
) -> None:
    """Time the fixed benchmark (scenarios/bench.yaml) and Mesa's BoltzmannWealth for comparison."""
    import json

    from sectorsim.bench import run_bench

    res = run_bench(
        workers=workers, months=months, progress=lambda line: err_console.print(f"[dim]{line}...[/dim]")
    )
    if json_out:
        out_console.print_json(json.dumps(res))
        return
    out_console.print(f"bench: {res['workers']:,} workers x {res['months']} months, per arm")
    for name, a in res["arms"].items():
        rate = a["worker_months"] / a["seconds"]
        out_console.print(
            f"  {name:<20} {a['seconds']:7.2f} s  {rate:>12,.0f} worker-months/s  peak {a['peak_mb']:,.0f} MB"
            f"  (kernels loaded in {a['warm_up_seconds']:.2f} s, not timed)"
        )
    out_console.print(
        f"  all arms: {res['worker_months_per_s']:,.0f} worker-months/s; {res['seconds']:.2f} s per run"
    )
    mesa_rate = res["mesa_boltzmann_agent_steps_per_s"]
    out_console.print(
        f"  Mesa BoltzmannWealth (10,000 agents): {mesa_rate:,.0f} agent-steps/s; "
        f"sectorsim is {res['ratio_vs_mesa']:.1f}x"
    )


def print_comparison(comparison, reference: str) -> None:  # noqa: ANN001 - a DataFrame
    """Print headline metrics per arm with CIs and paired differences."""
    from sectorsim.compare import HEADLINE
    from sectorsim.metrics import arm_label
    from sectorsim.report import LABELS, interval

    arms = list(comparison["arm"].drop_duplicates())
    table = Table(
        title="Outcomes over the policy horizon: mean [95% CI]; "
        f"Δ = paired difference vs {arm_label(reference)}"
    )
    table.add_column("metric")
    for arm in arms:
        table.add_column(arm_label(arm), justify="right")
    for metric in HEADLINE:
        cells = []
        for arm in arms:
            r = comparison[(comparison["arm"] == arm) & (comparison["metric"] == metric)].iloc[0]
            text = " ".join(interval(r["mean"], r["ci_low"], r["ci_high"], metric))
            if arm != reference:
                diff = interval(r["diff"], r["diff_ci_low"], r["diff_ci_high"], metric, signed=True)
                text += "\nΔ " + " ".join(diff)
            cells.append(text)
        table.add_row(LABELS.get(metric, metric), *cells)
    out_console.print(table)


def usage_line(exc: click_errors.UsageError) -> str:
    """One line for a command-line mistake: the option, what is wrong, where help is.

    Args:
        exc: The usage error Click raised (a bad value, a missing argument, an unknown option).
    """
    ctx = exc.ctx
    hint = f"; see '{ctx.command_path} --help'" if ctx is not None else ""
    if isinstance(exc, click_errors.NoSuchOption):
        near = f" (did you mean {', '.join(sorted(exc.possibilities))}?)" if exc.possibilities else ""
        return f"error: {exc.option_name}: no such option{near}{hint}"
    param = getattr(exc, "param", None)
    if isinstance(exc, click_errors.BadParameter) and param is not None:
        opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
        name = max(opts, key=len) if opts else str(getattr(param, "name", None) or "argument").upper()
        what = "missing (it is required)" if isinstance(exc, click_errors.MissingParameter) else exc.message
        return f"error: {name}: {what[:1].lower()}{what[1:].rstrip('.')}{hint}"
    message = exc.format_message().rstrip(".")
    return f"error: {message[:1].lower()}{message[1:]}{hint}"


def _error(line: str) -> None:
    sys.stderr.write(one_line(line) + "\n")
    sys.stderr.flush()


@functools.cache
def click_command() -> Any:
    """The Click command typer builds from ``app`` (built once: it takes tens of milliseconds)."""
    return typer.main.get_command(app)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: every user mistake (a bad option, file or output location) is one line, exit 2.

    Args:
        argv: The arguments (default: ``sys.argv[1:]``); tests pass them to run the CLI in-process.
    """
    try:
        args = list(argv) if argv is not None else None
        code = click_command().main(args=args, prog_name="sectorsim", standalone_mode=False)
    except InputError as exc:
        _error(f"error: {exc}")
        sys.exit(2)
    except click_errors.NoArgsIsHelpError as exc:
        typer.echo(exc.ctx.get_help() if exc.ctx is not None else "", err=True)
        sys.exit(2)
    except click_errors.UsageError as exc:
        _error(usage_line(exc))
        sys.exit(2)
    except click_errors.ClickException as exc:
        _error(f"error: {exc.format_message()}")
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        _error("interrupted; nothing was written to the output folder")
        sys.exit(130)
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":
    main()
