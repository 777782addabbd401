"""A question typed into the home page's question box, answered transparently in a real browser
(headless Chromium through WebDriver; the fixtures of test_browser.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # test_browser.py beside this file (importlib import mode)
from test_browser import SCREENSHOTS, WebDriver, _only_local, browser, real_site  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_home_question_box_gives_a_transparent_answer(browser: WebDriver, real_site: str) -> None:  # noqa: F811
    browser.get(real_site + "/")
    browser.wait_for("return document.querySelector('#home-ask input[name=q]') !== null")
    browser.js(
        "const i = document.querySelector('#home-ask input[name=q]'); i.focus();"
        "i.value = 'SDG13に貢献する施策は？'; document.getElementById('home-ask').submit();"
    )
    browser.wait_for("return location.pathname === '/ask' && document.querySelector('#answer') !== null")
    text = browser.js("return document.querySelector('#answer').innerText")
    assert "SDG 13 に貢献する施策・取組を、4自治体すべてから探しました" in text
    assert "measures-by-sdg" in text and "sdg=13" in text
    assert browser.js("return document.querySelectorAll('#ask-rows tbody tr').length") >= 5
    assert "鎌倉市" in browser.js("return document.querySelector('#ask-rows').innerText")
    editor = browser.js("return document.getElementById('open-editor').getAttribute('href')")
    assert editor.startswith("/sparql/ui?query=")
    _only_local(browser.resources(), real_site)
    browser.screenshot(SCREENSHOTS / "ask.png")
    # a refusal names what it did not understand and offers questions that work
    browser.get(real_site + "/ask?q=" + "札幌市の施策は？")
    browser.wait_for("return document.querySelector('#answer') !== null")
    assert "札幌市のデータはありません" in browser.js("return document.querySelector('#answer').innerText")
    assert browser.js("return document.querySelectorAll('#suggestions a').length") >= 3
