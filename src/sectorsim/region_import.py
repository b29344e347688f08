"""Build a scenario from public labor-market statistics (``sectorsim init-region``).

Reads three CSV extracts in the shapes of the public files:

- **QCEW** (BLS Quarterly Census of Employment and Wages, annual averages by county and industry):
  ``area_fips, own_code, industry_code, year, annual_avg_estabs, annual_avg_emplvl, avg_annual_pay``,
  optionally ``area_title``. Private ownership (``own_code`` 5) rows of the NAICS sectors below are used;
  with several years, employment growth is the compound annual growth between the first and last year.
- **OEWS** (BLS Occupational Employment and Wage Statistics): ``OCC_CODE, OCC_TITLE, TOT_EMP, A_MEDIAN``
  (case-insensitive), the region's or the nation's table.
- **Commuting** (ACS county-to-county commuting flows): ``res_fips, work_fips, workers``, optionally
  ``res_name``.

It writes a scenario a designer can edit: areas (labor force from residents in the commuting table,
scaled to ``workers``; job shares from QCEW employment), commuting times (10 minutes within a county,
30 minutes where at least ``reach_share`` of a county's commuters work in the other county, 60
otherwise; 45-minute limit), sectors (shares and growth from QCEW), ladders (wages from OEWS medians of
the occupations on each rung, rung shares from OEWS employment), the calibrated separation rates of
the shipped region, and two arms (no policy; a partnership in the sector the needs assessment picks).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd

from sectorsim.errors import InputError

#: Sectors: QCEW NAICS industry code, calibrated base separation rate, ladder of (SOC code, rung, level).
SECTOR_MAP: dict[str, dict[str, Any]] = {
    "health care": {
        "naics": "62",
        "separation_rate": 0.0087,
        "ladder": [
            ("31-1120", "home health aide", 0),
            ("31-1131", "nursing assistant", 1),
            ("29-2061", "practical nurse", 2),
        ],
    },
    "manufacturing": {
        "naics": "31-33",
        "separation_rate": 0.0115,
        "ladder": [
            ("51-2090", "assembler", 0),
            ("51-4041", "machinist", 1),
            ("17-3026", "industrial engineering technician", 2),
        ],
    },
    "retail": {
        "naics": "44-45",
        "separation_rate": 0.019,
        "ladder": [("41-2031", "retail salesperson", 0), ("41-1011", "first-line supervisor", 1)],
    },
    "food service": {
        "naics": "72",
        "separation_rate": 0.022,
        "ladder": [
            ("35-2021", "food preparation worker", 0),
            ("35-2014", "cook", 0),
            ("11-9051", "food service manager", 1),
        ],
    },
}

#: US private employment shares of the four sectors, renormalized among them (BLS QCEW 2023).
US_SHARES = {"health care": 0.337, "manufacturing": 0.203, "retail": 0.246, "food service": 0.214}

QCEW_COLUMNS = (
    "area_fips",
    "own_code",
    "industry_code",
    "year",
    "annual_avg_estabs",
    "annual_avg_emplvl",
    "avg_annual_pay",
)
OEWS_COLUMNS = ("occ_code", "occ_title", "tot_emp", "a_median")
COMMUTING_COLUMNS = ("res_fips", "work_fips", "workers")


def _read(path: Path, required: tuple[str, ...], numeric: tuple[str, ...]) -> pd.DataFrame:
    """Read a CSV, lower-case its column names, check required columns and numeric values."""
    if not path.is_file():
        raise InputError(str(path), "", "file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(str(path), "", f"not a readable CSV file ({exc.__class__.__name__})") from None
    df.columns = [c.strip().lower() for c in df.columns]
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(str(path), missing[0], f"missing column (required: {', '.join(required)})")
    if df.empty:
        raise InputError(str(path), "", "has no data rows")
    for col in numeric:
        cleaned = df[col].str.replace(",", "", regex=False).str.strip()
        values = pd.to_numeric(cleaned, errors="coerce")
        bad = values.isna() | (values < 0)
        if bad.any():
            row = int(bad.to_numpy().nonzero()[0][0])
            raise InputError(
                str(path),
                f"row {row + 2}, column {col}",
                f"'{df[col].iloc[row]}' is not a non-negative number",
            )
        df[col] = values
    return df


def build_scenario(
    qcew: Path,
    oews: Path,
    commuting: Path,
    name: str = "my_region",
    workers: int = 20_000,
    reach_share: float = 0.03,
) -> dict[str, Any]:
    """Build a raw scenario mapping from the three extracts (validated by the caller)."""
    q = _read(qcew, QCEW_COLUMNS, ("annual_avg_estabs", "annual_avg_emplvl", "avg_annual_pay", "year"))
    o = _read(oews, OEWS_COLUMNS, ("tot_emp", "a_median"))
    c = _read(commuting, COMMUTING_COLUMNS, ("workers",))
    q = q[q["own_code"].str.strip() == "5"]
    naics = {v["naics"]: k for k, v in SECTOR_MAP.items()}
    q = q[q["industry_code"].str.strip().isin(naics)]
    if q.empty:
        raise InputError(str(qcew), "industry_code", f"no private (own_code 5) rows for {', '.join(naics)}")
    q = q.assign(sector=q["industry_code"].str.strip().map(naics), area_fips=q["area_fips"].str.strip())
    last = q["year"].max()
    first = q["year"].min()
    latest = q[q["year"] == last]
    counties = sorted(set(c["res_fips"].str.strip()) & set(latest["area_fips"]))
    if not counties:
        raise InputError(str(commuting), "res_fips", "no county appears both here and in the QCEW extract")
    c = c.assign(res_fips=c["res_fips"].str.strip(), work_fips=c["work_fips"].str.strip())
    c = c[c["res_fips"].isin(counties) & c["work_fips"].isin(counties)]
    residents = c.groupby("res_fips")["workers"].sum().reindex(counties).fillna(0)
    if residents.sum() <= 0:
        raise InputError(str(commuting), "workers", "no commuters between the QCEW counties")
    titles = (
        latest.groupby("area_fips")["area_title"].first()
        if "area_title" in latest.columns
        else pd.Series(dtype=str)
    )
    names = [str(titles.get(f, f"County {f}")) or f"County {f}" for f in counties]
    scaled = [max(1, round(workers * r / residents.sum())) for r in residents]
    jobs = (
        latest[latest["area_fips"].isin(counties)]
        .groupby("area_fips")["annual_avg_emplvl"]
        .sum()
        .reindex(counties)
        .fillna(0)
    )
    job_share = (jobs / jobs.sum()).round(6)
    job_share.iloc[-1] = round(1 - job_share.iloc[:-1].sum(), 6)
    flows = (
        c.pivot_table(index="res_fips", columns="work_fips", values="workers", aggfunc="sum")
        .reindex(index=counties, columns=counties)
        .fillna(0)
    )
    share = flows.div(flows.sum(axis=1).replace(0, 1), axis=0).to_numpy(float)
    commute = [
        [10.0 if i == j else (30.0 if share[i, j] >= reach_share else 60.0) for j in range(len(counties))]
        for i in range(len(counties))
    ]
    by_sector = latest.groupby("sector")["annual_avg_emplvl"].sum()
    sectors = []
    o = o.assign(occ_code=o["occ_code"].str.strip())
    for sector, spec in SECTOR_MAP.items():  # loop: sectors
        if by_sector.get(sector, 0) <= 0:
            continue
        ladder = []
        for soc, rung, level in spec["ladder"]:  # loop: rungs
            row = o[o["occ_code"] == soc]
            if row.empty:
                raise InputError(
                    str(oews), "occ_code", f"no row for {soc} ({rung}), needed for the {sector} ladder"
                )
            ladder.append(
                {
                    "name": rung,
                    "wage": round(float(row["a_median"].iloc[0]) / 12.0),
                    "credential": level,
                    "share": float(row["tot_emp"].iloc[0]),
                }
            )
        total = sum(r["share"] for r in ladder)
        for r in ladder:
            r["share"] = round(r["share"] / total, 6)
        ladder[-1]["share"] = round(1 - sum(r["share"] for r in ladder[:-1]), 6)
        emp_first = q[(q["year"] == first) & (q["sector"] == sector)]["annual_avg_emplvl"].sum()
        growth = (
            (by_sector[sector] / emp_first) ** (1 / (last - first)) - 1
            if last > first and emp_first > 0
            else 0.0
        )
        sectors.append(
            {
                "name": sector,
                "share": float(by_sector[sector]),
                "growth": round(float(growth), 4),
                "separation_rate": spec["separation_rate"],
                "ladder": ladder,
            }
        )
    total_emp = sum(s["share"] for s in sectors)
    for s in sectors:
        s["share"] = round(s["share"] / total_emp, 6)
    sectors[-1]["share"] = round(1 - sum(s["share"] for s in sectors[:-1]), 6)
    if any(not math.isfinite(s["growth"]) for s in sectors):
        raise InputError(str(qcew), "annual_avg_emplvl", "employment growth could not be computed")
    return {
        "name": name,
        "description": f"Built by sectorsim init-region from {qcew.name}, {oews.name}, {commuting.name}",
        "region": {
            "areas": [
                {"name": n, "workers": int(w), "job_share": float(js)}
                for n, w, js in zip(names, scaled, job_share, strict=True)
            ],
            "commute_minutes": commute,
            "max_commute_minutes": 45,
        },
        "groups": [
            {
                "name": "Group A",
                "share": 0.65,
                "basic_skills": 0.15,
                "barrier_rate": 0.10,
                "network_access": 1.0,
                "hiring_bias": 0.0,
            },
            {
                "name": "Group B",
                "share": 0.35,
                "basic_skills": -0.3,
                "barrier_rate": 0.25,
                "network_access": 0.8,
                "hiring_bias": 0.3,
            },
        ],
        "sectors": sectors,
        "assessment": {"reference_shares": {s["name"]: US_SHARES[s["name"]] for s in sectors}},
        "arms": [
            {"name": "none", "description": "No policy."},
            {
                "name": "partnership",
                "description": "A sector partnership in the sector the needs assessment ranks first.",
                "policies": [{"type": "sector_partnership", "target_sector": "auto", "budget": 2_000_000}],
            },
        ],
    }


HEADER = """# Built by `sectorsim init-region` from public-statistics extracts. Edit freely.
# Question: in this region, which sector should a partnership target, and what would it buy?
# Areas: labor force from the commuting table (scaled), job shares from QCEW; sectors and growth from
# QCEW; ladder wages from OEWS medians; separation rates: the calibrated defaults of the shipped region
# (check them with `sectorsim calibration`). Groups are placeholders: set them for your region.
"""
