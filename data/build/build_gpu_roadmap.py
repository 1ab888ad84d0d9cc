"""Build ``data/gpu_roadmap.csv``: per GPU type its physical block (from ``data/gpu_catalog.csv``) plus
the time attributes a phased build-out needs (first year, price decline, useful life, rental $/GPU-hour).

Physical columns (``gpus_per_block``, ``it_kw_per_block``, ``price_usd_per_block``, dense BF16/FP8 TFLOPS)
are copied unchanged from ``data/gpu_catalog.csv`` with its sources, so a one-period run and a pathway
price a block the same way; ``Rubin_NVL144`` is not in the catalog and every number of it is an estimate.
Everything else comes from the table ``ROADMAP`` below, each value with its source or ``estimate`` with
a range and the reasoning. Rental rates are from stored public web pages (cloud GPU price indices and
provider price pages, 2026); the model sells GPU-hours at these rates, declining per year.

Run: ``python data/build/build_gpu_roadmap.py`` (writes data/gpu_roadmap.csv; ``--check`` compares).
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd

DATA = Path(__file__).resolve().parent.parent
SPEC_COLS = ["vendor", "block", "gpus_per_block", "it_kw_per_block", "price_usd_per_block",
             "bf16_dense_tflops_per_gpu", "fp8_dense_tflops_per_gpu"]

FIRST_YEAR_BASIS = (
    "estimate: first year of volume deliveries, from the datasheet/spec year quoted in data/gpu_catalog.csv's "
    "source for this type ({spec}) plus {lag} year(s) from launch to volume shipments (range 0-1)"
)
PRICE_DECLINE = (
    "estimate 0.10 per year (range 0.05-0.20): server prices fall slowly after launch while each new "
    "generation lowers $ per PFLOPS (gpu_catalog.csv: H100 $202/TFLOPS-FP8 per GPU vs GB200 $108); applied "
    "from price_year"
)
LIFE = (
    "data/cost_assumptions.csv horizon_years source: hyperscaler 10-K filings 2024-25 depreciate servers over "
    "5-6 years (Amazon 5 years in 2025; CoreWeave 6 years); 5 chosen"
)
RENTAL_DECLINE = (
    "estimate 0.20 per year (range 0.10-0.35): aimultiple.com Cloud GPU Rental Price Index (May 2026) reports "
    "the H100 cohort median falling from above $7/GPU-hour in early 2024 to about $2.95 (about -35 %/yr in the "
    "supply ramp); a slower decline is assumed once supply normalises"
)

# gpu -> roadmap attributes; price_year is the year the catalog's price refers to (its source's year).
ROADMAP: dict[str, dict[str, object]] = {
    "H100_SXM": {
        "first_year": 2023, "first_year_source": FIRST_YEAR_BASIS.format(spec="NVIDIA DGX H100 datasheet 2023", lag=0),
        "price_year": 2024, "rental_usd_per_gpu_hour": 2.35, "rental_year": 2026,
        "rental_source": "compux.net 'GPU pricing trends 2026' quoting the SemiAnalysis GPU rental price index: "
        "H100 $1.70/GPU-hour (Oct 2025) -> $2.35 (Mar 2026)",
    },
    "H200": {
        "first_year": 2024, "first_year_source": FIRST_YEAR_BASIS.format(spec="NVIDIA DGX H200 datasheet 2024", lag=0),
        "price_year": 2024, "rental_usd_per_gpu_hour": 3.50, "rental_year": 2026,
        "rental_source": "mercatus-ai.com 'Cloud GPU pricing' (May 2026): H200 SXM5 on specialty clouds $3.50-4.50 "
        "per GPU-hour; low end taken for contracted capacity",
    },
    "B200": {
        "first_year": 2025, "first_year_source": FIRST_YEAR_BASIS.format(spec="NVIDIA DGX B200 datasheet 2024", lag=1),
        "price_year": 2024, "rental_usd_per_gpu_hour": 4.50, "rental_year": 2026,
        "rental_source": "lyceum.technology 'NVIDIA B200 GPU cloud pricing 2026' (Mar 2026): on-demand $4.50-6.00 "
        "per GPU-hour on specialised clouds (spheron.network lists $6.03, Mar 2026); low end taken",
    },
    "GB200_NVL72": {
        "first_year": 2025, "first_year_source": FIRST_YEAR_BASIS.format(spec="NVIDIA GB200 NVL72 spec 2024", lag=1),
        "price_year": 2024, "rental_usd_per_gpu_hour": 4.54, "rental_year": 2026,
        "rental_source": "spheron.network 'H200 vs B200 vs GB200' (17 Mar 2026): $9.08 per GB200 Superchip-hour "
        "(1 Grace + 2 B200 GPUs) = $4.54 per GPU-hour",
    },
    "GB300_NVL72": {
        "first_year": 2026, "first_year_source": FIRST_YEAR_BASIS.format(spec="NVIDIA GB300 NVL72 spec 2025", lag=1),
        "price_year": 2025, "rental_usd_per_gpu_hour": 5.00, "rental_year": 2026,
        "rental_source": "estimate $5.00 (range 4.50-7.00): the GB200 rate ($4.54, spheron.network Mar 2026) plus "
        "about 10 % for 1.5x HBM at the same dense FP8 (gpu_catalog.csv)",
    },
    "MI300X": {
        "first_year": 2023, "first_year_source": FIRST_YEAR_BASIS.format(spec="AMD Instinct MI300X datasheet 2023", lag=0),
        "price_year": 2024, "rental_usd_per_gpu_hour": 2.00, "rental_year": 2026,
        "rental_source": "estimate $2.00 (range 1.50-2.50): below the H100 index rate ($2.35, SemiAnalysis via "
        "compux.net Mar 2026) despite more dense FP8, for a thinner software ecosystem and fewer renters",
    },
    "MI355X": {
        "first_year": 2025, "first_year_source": FIRST_YEAR_BASIS.format(spec="AMD Instinct MI355X datasheet Jun 2025", lag=0),
        "price_year": 2025, "rental_usd_per_gpu_hour": 3.50, "rental_year": 2026,
        "rental_source": "estimate $3.50 (range 2.50-4.50): below the B200 rate ($4.50, lyceum.technology Mar 2026) "
        "at the same dense FP8 (gpu_catalog.csv), for the same ecosystem discount as MI300X vs H100",
    },
}

# Not in the catalog: every number an estimate with its range and reasoning.
RUBIN = {
    "gpu": "Rubin_NVL144", "vendor": "NVIDIA", "block": "Vera Rubin NVL144 rack (72 Rubin packages, 144 dies)",
    "gpus_per_block": 72, "it_kw_per_block": 190.0, "price_usd_per_block": 6_000_000.0,
    "bf16_dense_tflops_per_gpu": 5000.0, "fp8_dense_tflops_per_gpu": 10000.0,
    "spec_source": "estimate, not in gpu_catalog.csv: dense FP8 10,000 TFLOPS per package (range 8,000-17,000; "
    "about 2x GB300's 5,000, the generational step Hopper->Blackwell showed in gpu_catalog.csv), BF16 half of FP8; "
    "190 kW per rack (range 180-250; GB300 NVL72 is ~140 kW and rack power rises each generation); $6.0M per rack "
    "(range 5-8M; GB300 $4.3M plus a new-generation premium)",
    "first_year": 2027,
    "first_year_source": "estimate 2027 (range 2026-2027): NVIDIA's public roadmap places Vera Rubin after Blackwell "
    "Ultra (GB300, 2025 spec); first volume year taken one year after GB300's",
    "price_year": 2027, "rental_usd_per_gpu_hour": 7.00, "rental_year": 2027,
    "rental_source": "estimate $7.00 (range 5.00-10.00): about 1.4x the GB300 estimate for about 2x dense FP8, new "
    "generations renting at a premium per GPU but a discount per PFLOPS",
}


def build(catalog: pd.DataFrame) -> pd.DataFrame:
    rows = []
    cat = catalog.set_index("gpu")
    for gpu, extra in ROADMAP.items():
        spec = cat.loc[gpu]
        row = {"gpu": gpu, **{c: spec[c] for c in SPEC_COLS}, "spec_source": f"data/gpu_catalog.csv ({spec['source']})"}
        rows.append(row | extra)
    rows.append(dict(RUBIN))
    out = pd.DataFrame(rows)
    out["price_decline_per_year"] = 0.10
    out["price_source"] = out["spec_source"].where(out["gpu"] == "Rubin_NVL144", "data/gpu_catalog.csv price_usd_per_block")
    out["price_decline_source"] = PRICE_DECLINE
    out["life_years"] = 5.0
    out["life_source"] = LIFE
    out["rental_decline_per_year"] = 0.20
    out["rental_decline_source"] = RENTAL_DECLINE
    cols = ["gpu", *SPEC_COLS, "first_year", "price_year", "price_decline_per_year", "life_years",
            "rental_usd_per_gpu_hour", "rental_year", "rental_decline_per_year", "spec_source", "first_year_source",
            "price_source", "price_decline_source", "life_source", "rental_source", "rental_decline_source"]
    return out[cols]


def main(argv: list[str]) -> int:
    table = build(pd.read_csv(DATA / "gpu_catalog.csv"))
    target = DATA / "gpu_roadmap.csv"
    if "--check" in argv:
        same = target.is_file() and pd.read_csv(target).equals(pd.read_csv(pd.io.common.StringIO(table.to_csv(index=False))))
        print("gpu_roadmap.csv is up to date" if same else "gpu_roadmap.csv differs from the build")
        return 0 if same else 1
    table.to_csv(target, index=False)
    print(f"wrote {target} ({len(table)} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
