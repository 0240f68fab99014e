from critmin.store.io import connect


def test_spot_check_may_2026(imported_store):
    # PROVENANCE.md: 2026M05 copper 13,543 $/mt; nickel 18,806; aluminium 3,666; tin 53,563;
    # gold 4,587 $/oz
    with connect(imported_store) as con:
        rows = dict(con.execute("""
            select commodity_id, round(value) from price
            where source_id='wb-pinksheet-monthly' and period='2026-05'
              and commodity_id in ('copper','nickel','aluminium','tin','gold')""").fetchall())
        assert rows == {"copper": 13543, "nickel": 18806, "aluminium": 3666, "tin": 53563,
                        "gold": 4587}
        unit, currency, basis = con.execute(
            "select unit, currency, basis from price where series='pinksheet:Copper' limit 1"
        ).fetchone()
        assert (unit, currency, basis) == ("USD/t", "USD", "market")
        # "…" months are missing rows, not zeros; footnoted series are flagged
        assert con.execute("select count(*) from price where source_id='wb-pinksheet-monthly'"
                           " and value = 0").fetchone()[0] == 0
        assert con.execute("select count(*) from price where series='pinksheet:Potassium "
                           "chloride' and flag='footnote'").fetchone()[0] > 100
        first = con.execute("select min(period) from price where series='pinksheet:Copper'"
                            ).fetchone()[0]
        assert first == "1960-01"
