"""The episode chart: its series, a marker per published signal, the episode's date."""

from __future__ import annotations

from critmin.views.signal_charts import episode_figure

SERIES = {"episode": "nickel_2022", "commodity_id": "nickel", "date": "2022-03-08",
          "key": "pinksheet:Nickel", "kind": "market_monthly", "unit": "USD/t",
          "points": [("2022-01-01", 22355.4), ("2022-02-01", 24015.6),
                     ("2022-03-01", 33924.2)],
          "marks": [("2022-02-05", 22355.4, "watch", "price_spike"),
                    ("2022-04-05", 33924.2, "immediate", "price_spike")]}


def test_episode_figure_ja_and_en() -> None:
    ja = episode_figure(SERIES, "2022年のニッケル価格急騰", "ja")
    assert [t.mode for t in ja.data] == ["lines", "markers", "markers"]
    assert "世界銀行の月次価格" in ja.layout.title.text and "価格" in ja.layout.yaxis.title.text
    assert list(ja.data[2].x) == ["2022-04-05"]  # the immediate signal, when published
    en = episode_figure({**SERIES, "key": None, "points": [], "marks": []}, "x", "en")
    assert "No price or unit-value series" in en.layout.title.text
