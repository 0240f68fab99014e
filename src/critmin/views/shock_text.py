"""What a shock result rests on, said in Japanese or English: the scenario's title, and
the lines printed under every ``shock``, ``scenario run`` and ``uncertainty --scenario``
table and chart — trade year, cutters, each cut, bloc split, demand changes, ω and κ
(and their Monte Carlo ranges), the scenario's caveats, and why rows have no figures.

Everything is composed from the typed
:class:`critmin.service.shocks.ScenarioAssumptions` of the response and the interface
strings (``views/data/strings_shocks.csv``); ids never reach the text (commodities,
stages and countries by name)."""

from __future__ import annotations

from typing import Any

from critmin.views.i18n import join_words, label, text

SHOCK_COMMAND = "shock"


def pct(share: float, lang: str) -> str:
    """A share as a percentage: 0.75 → "75 %" (en), "75%" (ja); up to 3 significant
    figures (0.305 → "30.5 %")."""
    value = f"{100 * share:.3g}"
    return f"{value}%" if lang == "ja" else f"{value} %"


def place_name(place: Any, lang: str, code: bool = True) -> str:
    """A country by name with its ISO3 code ("China (CHN)", "中国（CHN）"; without
    ``code``: the name alone); a group by its id."""
    name = place.name_ja if lang == "ja" else place.name
    if name == place.id or not code:
        return name
    return f"{name}（{place.id}）" if lang == "ja" else f"{name} ({place.id})"


def places(items: list[Any], lang: str, code: bool = True) -> str:
    """Several places, joined the way the language lists them."""
    return join_words((place_name(p, lang, code) for p in items), lang)


def commodity(commodity_id: str, lang: str) -> str:
    """A commodity's name (its id when the catalog does not name it)."""
    try:
        return label("commodity", commodity_id, lang)
    except KeyError:
        return commodity_id


def stages(ids: list[str], lang: str) -> str:
    """What the trade of the stages is called: "ores and concentrates, refined products"."""
    from critmin.catalog.reasons import stage_label

    return join_words((stage_label(s, lang) for s in ids), lang)


def scenario_name(assumptions: Any, command: str, lang: str) -> str:
    """The scenario's name in ``lang``; a ``shock`` command's one cut, said in words."""
    if command == SHOCK_COMMAND and len(assumptions.cuts) == 1:
        cut = assumptions.cuts[0]
        return text("shock_name", lang).format(
            exporters=places(cut.exporters, lang), commodity=commodity(cut.commodity, lang),
            pct=pct(cut.cut, lang))
    if lang == "ja" and assumptions.scenario_name_ja:
        return assumptions.scenario_name_ja
    return assumptions.scenario_name


def title(assumptions: Any, command: str, lang: str) -> str:
    """The table title: the scenario's name and the trade year."""
    return text("shock_title", lang).format(
        name=scenario_name(assumptions, command, lang), year=assumptions.trade_year)


def cut_lines(assumptions: Any, lang: str) -> list[str]:
    """One line per cut, then the bloc split and the demand changes."""
    out = []
    for cut in assumptions.cuts:
        to = text("shock_every_importer", lang) if cut.importers is None else places(
            cut.importers, lang)
        out.append(text("shock_cut", lang).format(
            pct=pct(cut.cut, lang), commodity=commodity(cut.commodity, lang),
            stages=stages(cut.stages, lang), exporters=places(cut.exporters, lang),
            importers=to))
    if assumptions.blocs is not None:
        open_, close = ("「", "」") if lang == "ja" else ("(", ")")
        blocs = text("shock_bloc_join", lang).join(
            f"{open_}{places(members, lang, code=False)}{close}"
            for members in assumptions.blocs.blocs)
        out.append(text("shock_blocs", lang).format(pct=pct(assumptions.blocs.cut, lang),
                                                    blocs=blocs))
    if assumptions.demand:
        sep, gap = ("、", "") if lang == "ja" else (", ", " ")
        changes = sep.join(f"{commodity(c, lang)}{gap}{'+' if v > 0 else '−'}"
                           f"{pct(abs(v), lang)}" for c, v in assumptions.demand.items())
        out.append(text("shock_demand", lang).format(changes=changes))
    return out


def span(bounds: tuple[float, float], lang: str) -> str:
    """A Monte Carlo range: "10–30 %", or "fixed at 0 %" when it is one value."""
    lo, hi = bounds
    if lo == hi:
        return text("shock_fixed", lang).format(value=pct(lo, lang))
    return text("shock_range", lang).format(lo=f"{100 * lo:.3g}", hi=f"{100 * hi:.3g}")


def assumption_lines(assumptions: Any, lang: str, monte_carlo: bool = False) -> list[str]:
    """Every line stated under a shock result: trade year and cutters, the cuts, ω and κ
    (with ``monte_carlo``, the ranges they and the cuts are drawn from), the scenario's
    caveats and the model's own."""
    a = assumptions
    head = text("shock_assumptions", lang).format(
        year=a.trade_year, cutters=places(a.cutters, lang) or "—")
    lines = [head, *cut_lines(a, lang), text("shock_resourcing", lang).format(
        omega=pct(a.redirect_share, lang), kappa=pct(a.spare_capacity, lang))]
    if monte_carlo:
        sep = "、" if lang == "ja" else "; "
        cuts = sep.join(dict.fromkeys(span(c.cut_range, lang) for c in a.cuts)) or "—"
        lines.append(text("shock_monte_carlo", lang).format(
            cuts=cuts, omega=span(a.redirect_share_range, lang),
            kappa=span(a.spare_capacity_range, lang)))
    lines += pool_lines(a, lang)
    caveats = a.caveats_ja if lang == "ja" else a.caveats
    lines += [text("shock_caveat", lang).format(text=c) for c in caveats]
    return [*lines, text("shock_model_note", lang)]


def pool_lines(assumptions: Any, lang: str) -> list[str]:
    """Per commodity stage with a loss: what is lost, what may be redirected, and how much
    of that goes to the restricting countries now (a result that rests on redirecting
    their own imports says so)."""
    from critmin.views.tables import number

    out = []
    for p in assumptions.pools:
        line = text("shock_pool", lang).format(
            commodity=commodity(p.commodity, lang), stage=stages([p.stage], lang),
            lost=number(p.lost_t), pool=number(p.redirectable_t))
        if p.bound_for_cutters_t > 0 and p.redirectable_t > 0:
            line += text("shock_pool_cutters", lang).format(
                share=pct(p.bound_for_cutters_t / p.redirectable_t, lang),
                cutters=places(assumptions.cutters, lang, code=False),
                rest=number(p.redirectable_t - p.bound_for_cutters_t))
        else:
            line += "。" if lang == "ja" else "."
        out.append(line)
    return out


def missing_lines(reasons: list[str], lang: str) -> list[str]:
    """Why rows have no figures: each reason once, in ``lang``."""
    from critmin.views.i18n import reason

    out = []
    for message in dict.fromkeys(r for r in reasons if r):
        out.append(text("shock_no_figures", lang).format(reason=reason(message, lang)))
    return out


def second_order_lines(reasons: list[str], lang: str) -> list[str]:
    """Why the second-order loss of refined rows is unknown (and left out): each reason
    once, in ``lang``."""
    from critmin.views.i18n import reason

    return [text("second_order_unknown", lang).format(reason=reason(r, lang))
            for r in dict.fromkeys(r for r in reasons if r)]
