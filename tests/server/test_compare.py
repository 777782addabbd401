"""The compare pages and their charts, on the real build (counts checked by hand against the plans and
against the named queries the pages are built from)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

JA = {"accept-language": "ja"}


def text(html: str) -> str:
    """The visible text of a page's main part, tags dropped, spaces folded."""
    main = html.split("<main", 1)[1].split("</main>", 1)[0]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


def get(client: TestClient, path: str) -> str:
    r = client.get(path, headers=JA)
    assert r.status_code == 200, (path, r.status_code)
    assert r.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in r.headers["content-security-policy"]
    return r.text


def test_home_links_every_compare_page(real_client: TestClient) -> None:
    html = get(real_client, "/")
    for path in ("/compare", "/compare/themes", "/compare/partners", "/compare/indicators", "/compare/diff"):
        assert f'href="{path}"' in html
    assert 'class="skip" href="#main"' in html and 'id="main"' in html


def test_heatmap_pivots_sdg_coverage(real_client: TestClient) -> None:
    html = get(real_client, "/compare")
    rows = re.findall(r"<tr><th scope=\"row\">(.*?)</th>(.*?)</tr>", html, re.S)
    table = {
        name: [re.sub(r"<[^>]+>", "", c) for c in re.findall(r"<td[^>]*>(.*?)</td>", cells)]
        for name, cells in rows
    }
    # by 全国地方公共団体コード, not by the labels' code points
    assert list(table) == ["世田谷区", "横浜市泉区", "鎌倉市", "大阪市鶴見区"]
    assert all(len(v) == 18 for v in table.values())  # 17 goals and the total
    # the same figures as the sdg-coverage query (goals + policies + measures per goal)
    api = real_client.get("/api/queries/sdg-coverage", params={"municipality": "kamakura"}).json()
    rows_api = api["results"]["bindings"] if "results" in api else api["rows"]

    def val(row: dict, k: str) -> int:
        v = row.get(k)
        return int(v["value"] if isinstance(v, dict) else v or 0)

    by_goal = {
        val(row, "goalNumber"): val(row, "goals") + val(row, "policies") + val(row, "measures")
        for row in rows_api
    }
    assert [int(x) for x in table["鎌倉市"][:17]] == [by_goal[g] for g in range(1, 18)]
    assert table["鎌倉市"][10] == "44"  # SDG 11: Kamakura's largest cell
    assert table["鎌倉市"][4] == "0"  # SDG 5: no element (the gap shows)
    assert 'href="/sdg/13#m-kamakura"' in html  # each cell opens its list, at the city's group
    sdg13 = get(real_client, "/sdg/13")
    assert 'id="m-kamakura"' in sdg13


@pytest.mark.parametrize(
    "fmt,media,magic", [("svg", "image/svg+xml", b"<?xml"), ("png", "image/png", b"\x89PNG")]
)
@pytest.mark.parametrize("chart", ["sdg-coverage", "indicators"])
def test_charts_download_as_svg_and_png(
    real_client: TestClient, chart: str, fmt: str, media: str, magic: bytes
) -> None:
    r = real_client.get(f"/compare/chart/{chart}.{fmt}")
    assert r.status_code == 200
    assert r.headers["content-type"] == media
    assert r.content.startswith(magic)
    assert 'filename="' in r.headers["content-disposition"]
    if fmt == "svg":
        assert b"<script" not in r.content  # an image, nothing to run
        assert b"<path" in r.content  # glyphs as outlines: Japanese needs no font in the reader's browser
        assert b'role="img"' in r.content and b"<title>" in r.content  # named, also when downloaded
    page = get(real_client, "/compare" if chart == "sdg-coverage" else "/compare/indicators")
    assert f'/compare/chart/{chart}.{fmt}"' in page
    assert "<table" in page and "alt=" in page  # a data table beside the chart, and an alt text


def test_png_draws_japanese_glyphs() -> None:
    """The CJK font is found: a title in Japanese makes ink, not tofu boxes (matplotlib warns on
    missing glyphs; here it must not)."""
    import warnings

    from server.views import charts

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        body = charts.heatmap(
            "自治体 × SDG 目標", ["鎌倉市", "世田谷区"], ["1", "2"], [[1, 2], [0, 3]], "png"
        )
    assert body.startswith(b"\x89PNG")


def test_unknown_chart_format_is_404(real_client: TestClient) -> None:
    assert real_client.get("/compare/chart/indicators.gif").status_code == 404


def test_indicator_dashboard_shows_all_24_tsurumi_indicators(real_client: TestClient) -> None:
    html = get(real_client, "/compare/indicators")
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    assert body.count("<tr>") == 24  # one page instead of nine
    page = text(html)
    assert "24 指標" in page
    # the statuses are the indicator-status query's own, one per row, in the same numbers
    api = real_client.get(
        "/api/queries/indicator-status", params={"municipality": "osaka-tsurumi", "format": "csv"}
    )
    header, *lines = api.text.lstrip("\ufeff").splitlines()
    assert len(lines) == 24
    cols = header.split(",")
    import csv

    statuses = [row[cols.index("statusJa")] for row in csv.reader(lines)]
    for status in set(statuses):
        assert f"{status} {statuses.count(status)}" in page
    assert "防災等に対する理解が高まったと感じる区民の割合" in page
    assert "≥80%" in page and "76.6%" in page  # 【4-2-1】: target ≥80 %, actual 76.6 % (2015)
    assert "シートの自己評価" in page


def test_theme_index_and_page(real_client: TestClient) -> None:
    index = text(get(real_client, "/compare/themes"))
    # columns by 団体コード: 世田谷区 1, 横浜市泉区 3, 鎌倉市 3, 大阪市鶴見区 2 (as compare-theme)
    assert "子育て 1 3 3 2 9" in index
    assert "環境・脱炭素" in index  # the exact label is there to pick, no guessing 「環境」
    html = get(real_client, "/compare/theme/child-rearing")
    page = text(html)
    assert "子育て （9 件）" in page
    assert html.count('class="city-column"') == 4
    assert "子育てに優しいまち泉区" in page and "SDG: 3 , 3.6 , 11 , 11.2" in page
    assert "■ その他・企業・事業者・地域・市民・関係機関" in page  # Kamakura's 2-2 こども・若者 partner boxes
    assert real_client.get("/compare/theme/no-such-theme", headers=JA).status_code == 404


def test_partner_matrix_separates_involved_from_not_marked(real_client: TestClient) -> None:
    html = get(real_client, "/compare/partners")
    page = text(html)
    assert "32 件の施策" in page
    assert "パートナー区分の印は鎌倉市の計画だけ" in page
    foot = text("<main>" + html.split("<tfoot>", 1)[1].split("</tfoot>", 1)[0] + "</main>")
    assert "9 16 27 16 31 16 8 27" in foot  # ■ per type; 企業・事業者 27 as elements-by-partner
    assert "泉区商店街連合会" in page  # named partners across cities
    only_html = get(real_client, "/compare/partners?type=businesses")
    assert "「企業・事業者」と共創する施策（27 件）" in text(only_html)
    body = only_html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, re.S)
    assert len(rows) == 27
    column = 2  # その他, 他行政機関, 企業・事業者 … (the header order)
    assert all(re.findall(r'<td class="mark">(.)', row)[column] == "■" for row in rows)
    assert real_client.get("/compare/partners?type=nope", headers=JA).status_code == 404


def test_two_city_diff(real_client: TestClient) -> None:
    page = text(get(real_client, "/compare/diff?a=kamakura&b=setagaya"))
    assert "鎌倉市 だけ（36）" in page and "世田谷区 だけ（1）" in page
    assert "ターゲット 10.3" in page and "共通の SDG ターゲット：12" in page
    assert real_client.get("/compare/diff?a=kamakura&b=nowhere", headers=JA).status_code == 404


def test_plan_outline_is_a_collapsible_tree(real_client: TestClient) -> None:
    html = get(real_client, "/id/kamakura/plan-2030")
    assert html.count('<details class="node"') == 52  # every element that has children
    assert "下位" in html
