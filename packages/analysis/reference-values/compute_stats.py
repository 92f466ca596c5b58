"""Reference values for the statistics and special functions, computed with scipy.

Run: python3 compute_stats.py  (writes stats.json next to this file)
"""
import json
from pathlib import Path

import numpy as np
import scipy
from scipy import special, stats

from seeded_random import SeededRandom


def special_functions():
    beta_cases = [(0.3, 2.0, 3.0), (0.5, 0.5, 0.5), (0.9, 10.0, 2.5), (0.01, 1.5, 40.0), (0.7, 200.0, 80.0),
                  (0.2, 1.0, 0.5), (0.999, 3.0, 0.5)]
    gamma_cases = [(0.5, 0.1), (0.5, 4.0), (1.5, 2.0), (3.0, 7.19 / 2), (10.0, 3.0), (10.0, 25.0), (100.0, 90.0)]
    return {
        "logGamma": [{"x": x, "value": float(special.gammaln(x))} for x in (0.1, 0.5, 1.0, 2.5, 10.0, 171.3)],
        "incompleteBeta": [{"x": x, "a": a, "b": b, "value": float(special.betainc(a, b, x))} for x, a, b in beta_cases],
        "gammaP": [{"a": a, "x": x, "value": float(special.gammainc(a, x))} for a, x in gamma_cases],
        "gammaQ": [{"a": a, "x": x, "value": float(special.gammaincc(a, x))} for a, x in gamma_cases],
        "normalCdf": [{"x": x, "value": float(stats.norm.cdf(x))} for x in (-8.0, -3.0, -1.0, 0.0, 0.5, 2.0)],
        "normalQuantile": [{"p": p, "value": float(stats.norm.ppf(p))} for p in (1e-12, 1e-4, 0.025, 0.2, 0.5, 0.8, 0.975, 0.999999)],
        "tTwoSided": [{"t": t, "df": df, "value": float(2 * stats.t.sf(abs(t), df))} for t, df in ((4.81, 4), (2.1, 2.27), (0.3, 30), (-12.0, 5.5))],
        "fSurvival": [{"f": f, "d1": d1, "d2": d2, "value": float(stats.f.sf(f, d1, d2))} for f, d1, d2 in ((1.91, 2, 6), (4.0, 3, 20), (0.5, 1, 1))],
        "chiSquareSurvival": [{"x": x, "k": k, "value": float(stats.chi2.sf(x, k))} for x, k in ((7.19, 3), (1.0, 1), (30.0, 10))],
    }


TABLE11_SEEDS = [
    [34.4, 33.0, 33.0], [36.8, 35.0, 37.4], [38.2, 40.2, 38.2], [40.6, 37.8, 40.6],
    [40.6, 45.8, 39.0], [43.2, 45.4, 43.4], [47.0, 47.0, 45.8],
]
RATIO_095 = [44.4, 43.8, 40.8]
RATIO_100 = [40.2, 41.4, 40.2]
RATIO_092 = [43.0, 40.8, 43.0]
UNEQUAL_A = [12.1, 14.3, 13.8, 15.0, 11.9]
UNEQUAL_B = [10.2, 18.9, 9.4]


def tests():
    out = {}
    welch = stats.ttest_ind(RATIO_095, RATIO_100, equal_var=False)
    student = stats.ttest_ind(RATIO_095, RATIO_100, equal_var=True)
    out["welchRatio095vs100"] = {"t": float(welch.statistic), "df": float(welch.df), "p": float(welch.pvalue)}
    out["studentRatio095vs100"] = {"t": float(student.statistic), "df": float(student.df), "p": float(student.pvalue)}
    welch = stats.ttest_ind(UNEQUAL_A, UNEQUAL_B, equal_var=False)
    out["welchUnequal"] = {"t": float(welch.statistic), "df": float(welch.df), "p": float(welch.pvalue)}
    # Table 4: ordered vs random truncation, from summaries (paper: t(4) = 4.81, p = .009).
    for name, equal in (("truncationStudent", True), ("truncationWelch", False)):
        r = stats.ttest_ind_from_stats(43.00, 1.93, 3, 37.47, 0.50, 3, equal_var=equal)
        out[name] = {"t": float(r.statistic), "p": float(r.pvalue)}
    anova = stats.f_oneway(*TABLE11_SEEDS[:4])
    out["anovaTable11FirstFour"] = {"f": float(anova.statistic), "p": float(anova.pvalue)}
    anova = stats.f_oneway(RATIO_100, RATIO_095, RATIO_092)
    out["anovaRatios"] = {"f": float(anova.statistic), "p": float(anova.pvalue)}
    # Table 9 from summaries via the textbook formulas, p from scipy's F survival function.
    means, sds, n = np.array([47.07, 49.53, 49.00]), np.array([1.21, 1.94, 1.64]), 3
    grand = means.mean()
    ssb = n * np.sum((means - grand) ** 2)
    ssw = (n - 1) * np.sum(sds ** 2)
    f = (ssb / 2) / (ssw / 6)
    out["anovaTable9Summaries"] = {"f": f, "p": float(stats.f.sf(f, 2, 6)), "etaSquared": ssb / (ssb + ssw)}
    kw = stats.kruskal(*TABLE11_SEEDS)
    out["kruskalTable11"] = {"h": float(kw.statistic), "p": float(kw.pvalue)}
    kw = stats.kruskal(RATIO_100, RATIO_095, RATIO_092)
    out["kruskalRatios"] = {"h": float(kw.statistic), "p": float(kw.pvalue)}
    out["descriptiveTable11"] = [{"mean": float(np.mean(s)), "sd": float(np.std(s, ddof=1))} for s in TABLE11_SEEDS]
    return out


def clustered_bootstrap():
    """A synthetic paired data set (fixed numpy seed) and the interval the TypeScript
    algorithm must produce with the shared PRNG: repos sorted by name, R draws per
    replicate, difference = 100 * sum(first - second) / instances, numpy percentiles."""
    rng = np.random.default_rng(2026)
    pairs = []
    for r in range(9):
        repo = f"org{r % 3}/repo-{r}"
        size = int(rng.integers(2, 9))
        skill = rng.uniform(0.2, 0.7)
        for i in range(size):
            first = float(rng.random() < skill + 0.08)
            second = float(rng.random() < skill)
            pairs.append({"instanceId": f"{repo}#{i}", "repo": repo, "first": first, "second": second})
    repos = sorted({p["repo"] for p in pairs})
    diff = {r: 0.0 for r in repos}
    count = {r: 0 for r in repos}
    for p in pairs:
        diff[p["repo"]] += p["first"] - p["second"]
        count[p["repo"]] += 1
    prng = SeededRandom("clustered-reference")
    replicates = 500
    values = []
    for _ in range(replicates):
        s = 0.0
        c = 0
        for _ in repos:
            repo = repos[prng.next_index(len(repos))]
            s += diff[repo]
            c += count[repo]
        values.append(100 * s / c)
    values = np.array(values)
    return {
        "pairs": pairs, "seed": "clustered-reference", "replicates": replicates,
        "difference": 100 * sum(p["first"] - p["second"] for p in pairs) / len(pairs),
        "interval": [float(np.percentile(values, 2.5)), float(np.percentile(values, 97.5))],
        "shareNotPositive": float(np.mean(values <= 0)),
    }


def planner():
    z_a, z_b = stats.norm.ppf(0.975), stats.norm.ppf(0.8)
    rows = []
    for sd in (1.2, 1.94):
        for delta in (1, 2, 3, 5):
            exact = 2 * (z_a + z_b) ** 2 * sd ** 2 / delta ** 2
            rows.append({"sd": sd, "delta": delta, "exact": exact, "paperRule": (2 * sd / delta) ** 2})
    return {"zAlpha": z_a, "zPower": z_b, "rows": rows}


def main():
    out = {
        "generator": f"scipy {scipy.__version__}, numpy {np.__version__}",
        "special": special_functions(),
        "tests": tests(),
        "clusteredBootstrap": clustered_bootstrap(),
        "planner": planner(),
    }
    path = Path(__file__).with_name("stats.json")
    path.write_text(json.dumps(out, indent=1) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
