"""The bundled boundaries: codes, names, and the internationally recognised territories."""

from __future__ import annotations

from pathlib import Path

import pytest
import shapely

from treatyline.territory import UnknownBoundaryError, boundaries

ROOT = Path(__file__).resolve().parents[1]


def test_ukraine_is_its_27_units_including_crimea_and_sevastopol() -> None:
    data = boundaries()
    units = data.units_of("UA")
    assert len(units) == 27
    assert {"UA-43", "UA-40", "UA-14", "UA-09", "UA-30"} <= set(units)
    ukraine = data.geometry("UA")
    union = shapely.union_all([data.geometry(code) for code in units])
    assert shapely.symmetric_difference(ukraine, union).area < 1e-9 * ukraine.area
    for code in ("UA-43", "UA-40"):
        unit = data.geometry(code)
        assert shapely.intersection(ukraine, unit).area == pytest.approx(unit.area, rel=1e-9)


def test_russia_excludes_crimea_and_sevastopol() -> None:
    data = boundaries()
    russia = data.geometry("RU")
    for code in ("UA-43", "UA-40"):
        assert shapely.intersection(russia, data.geometry(code)).area < 1e-9
    assert shapely.intersection(russia, data.geometry("UA")).area < 1e-9
    lon, lat = data.label_point("UA-43")
    assert not shapely.contains_xy(russia, lon, lat)
    assert shapely.contains_xy(data.geometry("UA"), lon, lat)
    # Russia keeps its own units (Krasnodar krai, across the Kerch strait)
    assert shapely.contains_xy(russia, *data.label_point("RU-KDA"))


def test_overrides_are_documented() -> None:
    overrides = boundaries().overrides()
    assert set(overrides) == {"UA", "RU"}
    assert all("68/262" in basis for basis in overrides.values())
    assert "Natural Earth" in boundaries().provenance


def test_lookup_by_code_and_name() -> None:
    data = boundaries()
    assert data.find("Ukraine").code == "UA"
    assert data.find("Україна").code == "UA"
    assert data.find("Украина").code == "UA"
    assert data.find("Crimea").code == "UA-43"
    assert data.find("Донецька область").code == "UA-14"
    assert data.find("ua-14").code == "UA-14"
    assert data.find("Georgia").code == "GE"  # the country, not the US state
    with pytest.raises(UnknownBoundaryError, match="ambiguous"):
        data.find("Kyiv")  # Natural Earth names the city and the oblast alike
    with pytest.raises(UnknownBoundaryError, match="UA-99"):
        data.geometry("UA-99")
    with pytest.raises(UnknownBoundaryError, match="did you mean"):
        data.find("Ukrain")


def test_label_points_lie_inside() -> None:
    data = boundaries()
    for code in ("UA", "RU", "FR", "UA-30", "UA-74", "US-GA"):
        lon, lat = data.label_point(code)
        assert shapely.intersects_xy(data.geometry(code), lon, lat), code


def test_every_feature_decodes_to_a_valid_polygon() -> None:
    data = boundaries()
    geoms = [data.geometry(f.code) for f in data.features if f.kind == "country"]
    assert len(geoms) == 240
    assert all(g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid for g in geoms)


def test_package_does_not_read_shared_data() -> None:
    source = (ROOT / "src" / "treatyline" / "territory").rglob("*.py")
    for path in source:
        text = path.read_text(encoding="utf-8")
        assert "shared/" not in text and "naturalearth" not in text, path
