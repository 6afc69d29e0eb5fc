import pandas as pd

from workbench.text import defang, escape, shorten

PAYLOADS = ["<script>document.title='pwned'</script>", "<img src=x onerror=alert(1)>",
            '"><svg onload=alert(1)>']


def test_escape_leaves_no_markup():
    for payload in PAYLOADS:
        out = escape(payload)
        assert "<" not in out and ">" not in out and '"' not in out
    assert escape(pd.NA) == "" and escape(float("nan")) == ""


def test_defang_breaks_every_link_form():
    assert defang("https://t.me/handle/12") == "hxxps://t[.]me/handle/12"
    assert defang("HTTP://Example.com/a.b?x=1") == "HxxP://Example[.]com/a.b?x=1"
    assert defang("t.me/s/handle") == "t[.]me/s/handle"
    assert defang("javascript:alert(1)") == "javascript[:]alert(1)"
    for url in ["https://t.me/x", "javascript:alert(1)", "www.example.org/path"]:
        out = defang(url)
        assert "://" not in out or out.startswith("hxxp")
        assert ".me/" not in out and ".org/" not in out


def test_shorten():
    assert shorten("x" * 100, 10) == "x" * 9 + "…"
    assert shorten("short  text\n", 10) == "short text"
    assert shorten(None) == ""
