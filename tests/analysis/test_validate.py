"""``critmin.analysis.validate``: the agreement rules on hand-made figures, the data files,
and the three families on the real store (bundle + official releases)."""

from __future__ import annotations

import re
import string
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from critmin.analysis import validate as v
from critmin.catalog.commodities import commodity_ids, stages_of

SEEDS = Path(__file__).resolve().parents[3] / "shared" / "seeds"


# --- printed USGS figures ----------------------------------------------------------------

@pytest.mark.parametrize(("text", "value", "flag", "kind", "share"), [
    ("73", 73.0, None, "number", 0.73),
    ("E", np.nan, "net_exporter", "E", 0.0),
    (">50", 50.0, "lower_bound", ">", 0.50),
    ("<25", 25.0, "upper_bound", "<", 0.25),
    ("W", np.nan, "withheld", "W", np.nan),
    ("NA", np.nan, "not_available", "NA", np.nan),
    ("Less than 1/2 unit.", np.nan, "text", "text", np.nan),
])
def test_parse_published(text, value, flag, kind, share):
    got_kind, got = v.parse_published(text, value, flag)
    assert got_kind == kind
    assert (np.isnan(got) and np.isnan(share)) or got == pytest.approx(share)


# --- the agreement rule ------------------------------------------------------------------

@pytest.mark.parametrize(("kind", "published", "critmin", "net_exp", "agrees", "diff"), [
    ("number", 0.73, 0.80, False, True, 0.07),      # 7 points
    ("number", 0.73, 0.83, False, True, 0.10),      # exactly 10 points: agrees
    ("number", 0.73, 0.84, False, False, 0.11),
    ("number", 0.47, 0.76, False, False, 0.29),
    ("number", 0.06, 0.0, True, True, -0.06),       # net exporter vs a small NIR
    ("E", 0.0, 0.0, True, True, 0.0),
    ("E", 0.0, 0.09, False, True, 0.09),            # E is NIR 0: 9 points
    ("E", 0.0, 0.11, False, False, 0.11),
    (">", 0.50, 0.80, False, True, 0.0),
    (">", 0.50, 0.42, False, True, -0.08),          # 8 points under the bound
    (">", 0.50, 0.39, False, False, -0.11),
    ("<", 0.25, 0.03, False, True, 0.0),
    ("<", 0.25, 0.34, False, True, 0.09),
    ("<", 0.25, 0.40, False, False, 0.15),
])
def test_nir_agreement(kind, published, critmin, net_exp, agrees, diff):
    got, d = v.nir_agreement(kind, published, critmin, net_exp)
    assert got is agrees
    assert d == pytest.approx(diff)


def test_nir_agreement_with_bounds_and_nothing():
    # critmin gives only an interval (production withheld): the interval is compared
    assert v.nir_agreement("number", 0.73, np.nan, False, 0.60, 0.90) == (True, 0.0)
    ok, d = v.nir_agreement("number", 0.30, np.nan, False, 0.45, 0.90)
    assert ok is False and d == pytest.approx(0.15)
    assert v.nir_agreement(">", 0.50, np.nan, False, 0.2, 0.6)[0] is True
    assert v.nir_agreement("<", 0.25, np.nan, False, 0.4, 0.9)[0] is False
    assert v.nir_agreement("E", 0.0, np.nan, False, 0.0, 0.2)[0] is True
    # nothing to compare
    agrees, d = v.nir_agreement("number", 0.5, np.nan, False)
    assert agrees is None and np.isnan(d)
    assert v.nir_agreement("W", np.nan, 0.5, False)[0] is None


# --- explanations ------------------------------------------------------------------------

def _fields(template: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(template) if f}


def test_every_reason_has_both_languages_with_the_same_fields():
    templates = v._templates()
    assert templates
    for code, t in templates.items():
        assert t["en"] and t["ja"], code
        # Japanese may leave out an English-only field (the mapping's English note)
        assert _fields(t["ja"]) <= _fields(t["en"]), code
        assert _fields(t["en"]) - _fields(t["ja"]) <= {"note"}, code


def test_explain_en_ja():
    reasons = [("no_us_production", {"stage": "refining", "year": 2024}),
               ("gross_weight", {"codes": "800110"})]
    assert v.explain(reasons, "en") == ("no US refining production in the store for 2024 "
                                        "(P = 0); critmin's trade is BACI gross weight of "
                                        "HS codes 800110")
    ja = v.explain(reasons, "ja")
    assert "製錬" in ja and "2024" in ja and "800110" in ja
    assert v.explain([], "ja") == ""


# --- the data files ----------------------------------------------------------------------

def test_nir_forms_file():
    forms = v.nir_forms()
    assert not forms.duplicated(["usgs_commodity", "item"]).any()
    known = set(commodity_ids())
    for f in forms.itertuples():
        assert f.commodity_id in known, f
        assert f.stage == "" or f.stage in stages_of(f.commodity_id), f
        assert f.source and f.note, f
        assert set(filter(None, f.usgs_includes.split(";"))) <= {
            "stock_changes", "secondary_production", "imports_only"}, f
    assert forms["form_matches"].dtype == bool and forms["form_matches"].sum() >= 30


def test_published_figures_file():
    figs = v.published_figures()
    assert not figs["figure_id"].duplicated().any()
    shares = figs[figs["measure"] == "share"]
    assert shares["value"].between(0, 1).all() and shares["iso3"].str.len().eq(3).all()
    assert set(figs["measure"]) <= {"share", "world_total_t"}
    assert (figs["tolerance"] > 0).all()
    assert "S002-REE-mine-CHN" in set(figs["figure_id"])  # DESIGN.md's example


def test_published_figures_quote_their_seed_line():
    if not SEEDS.is_dir():
        pytest.skip(f"seed documents not found at {SEEDS}")
    for f in v.published_figures().itertuples():
        name, line = re.fullmatch(r"(\S+) line (\d+)", f.source).groups()
        text = (SEEDS / name).read_text(encoding="utf-8").splitlines()[int(line) - 1]
        assert f.quote in text, f.figure_id


# --- seed figures on a hand-made store -----------------------------------------------------

def test_seed_checks_on_mini_store(mini):
    """mini: graphite mining 2022, CHN 80 t, AUS 20 t, JPN 5 t (total 105 t)."""
    figs = pd.DataFrame([
        ("t-chn", "graphite", "mining", "CHN", 2022, "share", 0.76, 0.05),
        ("t-aus", "graphite", "mining", "AUS", 2022, "share", 0.30, 0.05),
        ("t-world", "graphite", "mining", "", 2022, "world_total_t", 100.0, 0.10),
        ("t-refining", "graphite", "refining", "CHN", 2022, "share", 0.9, 0.05),
        ("t-absent", "graphite", "mining", "USA", 2022, "share", 0.0, 0.05),
    ], columns=["figure_id", "commodity_id", "stage", "iso3", "year", "measure", "value",
                "tolerance"]).assign(quote="q", note="", source="test line 1")
    out = v.seed_checks(mini, figs).set_index("check")
    assert out.loc["t-chn", "critmin"] == pytest.approx(80 / 105)
    assert out.loc["t-chn", "status"] == "agree"
    assert out.loc["t-aus", "status"] == "disagree"
    assert out.loc["t-aus", "difference"] == pytest.approx(20 / 105 - 0.30)
    assert "wmd-bundle" in out.loc["t-aus", "explanation"]
    assert out.loc["t-world", "critmin"] == pytest.approx(105)
    assert out.loc["t-world", "status"] == "agree"  # 5 % off, 10 % relative tolerance
    assert out.loc["t-refining", "status"] == "not_comparable"
    assert out.loc["t-refining", "explanation"] == "no refining production in the store for 2022"
    assert out.loc["t-absent", "critmin"] == 0.0 and out.loc["t-absent", "status"] == "agree"


# --- the real store ------------------------------------------------------------------------

@pytest.fixture(scope="module")
def real_checks(imported_store):
    from critmin.store.io import connect

    with connect(imported_store) as con:
        from critmin.store.read import salient_rows

        return v.validate(con), salient_rows(con, "%NIR%")


def test_usgs_rows_for_every_mapped_item(real_checks):
    checks, salient = real_checks
    usgs = checks[checks["family"] == "usgs-nir"]
    forms = v.nir_forms()
    assert len(usgs) == len(forms)
    assert usgs["check"].tolist() == (forms["usgs_commodity"] + ": " + forms["item"]).tolist()
    assert usgs["year"].nunique() == 1 and int(usgs["year"].iloc[0]) == int(
        salient["year"].max())
    # every USGS NIR item of a catalog commodity is mapped
    items = set(zip(salient.loc[salient["commodity_id"].notna(), "usgs_commodity"],
                    salient.loc[salient["commodity_id"].notna(), "item"], strict=True))
    assert items <= set(zip(forms["usgs_commodity"], forms["item"], strict=True))
    # the rows that are counted are those whose form matches
    counted = usgs["status"].isin(["agree", "disagree"])
    assert not (counted & ~forms["form_matches"].to_numpy()).any()
    assert (usgs.loc[~forms["form_matches"].to_numpy(), "status"]
            .isin(["form_differs", "not_comparable"]).all())


def test_every_row_not_agreeing_is_explained(real_checks):
    checks, _ = real_checks
    rest = checks[checks["status"] != "agree"]
    assert (rest["explanation"].str.len() > 0).all(), rest[["check", "status"]]
    assert (checks.loc[checks["status"] == "agree", "agrees"] == True).all()  # noqa: E712
    assert checks.loc[checks["status"].isin(["form_differs", "not_comparable"]),
                      "agrees"].isna().all()


def test_parity_family_has_no_disagreement(real_checks):
    checks, _ = real_checks
    parity = checks[checks["family"] == "geopolrisk-py"]
    assert len(parity) == 5 * (len(pd.read_csv(v.parity_sample_path())))
    assert (parity["status"] == "agree").all()
    summary = v.summarise(checks).set_index("family")
    assert summary.loc["geopolrisk-py", "share"] == 1.0
    assert summary.loc["geopolrisk-py", "max_abs_difference"] < 1e-6


def test_summary_counts(real_checks):
    checks, _ = real_checks
    summary = v.summarise(checks).set_index("family")
    assert list(summary.index) == list(v.FAMILIES)
    for fam, row in summary.iterrows():
        sel = checks[checks["family"] == fam]
        assert row["checks"] == len(sel) == row["compared"] + row["not_compared"]
        assert row["agree"] == (sel["status"] == "agree").sum()


def test_seed_rare_earths_example(real_checks):
    """DESIGN.md: rare earths 2023, China ≈ 69 % of mine production."""
    checks, _ = real_checks
    row = checks[checks["check"] == "S002-REE-mine-CHN"].iloc[0]
    assert row["status"] == "agree" and abs(row["critmin"] - 0.69) <= 0.05


def test_missing_usgs_import_is_a_clear_error(store):
    with pytest.raises(v.MissingImportError, match="critmin data import usgs-mcs"):
        v.usgs_nir_checks(store)
