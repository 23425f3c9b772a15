"""The docs check that formulas render offline, on small hand-made sites."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "docs/sphinxext/check_offline_math.py"
_spec = importlib.util.spec_from_file_location("check_offline_math", SCRIPT)
check_offline_math = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(check_offline_math)

MATH = '<p><span class="math notranslate nohighlight">\\(a^2\\)</span></p>'
LOCAL = '<script defer="defer" src="{prefix}_static/mathjax/tex-chtml.js"></script>'
CDN = (
    '<script defer="defer" '
    'src="https://cdn.jsdelivr.net/npm/mathjax@4/tex-mml-chtml.js"></script>'
)


def page(*parts: str) -> str:
    return "<html><head>" + "".join(parts[:-1]) + "</head><body>" + parts[-1]


def write_site(root: Path, pages: dict, mathjax=True, fonts=True) -> Path:
    for name, text in pages.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text + "</body></html>")
    if mathjax:
        static = root / "_static" / "mathjax"
        static.mkdir(parents=True)
        (static / "tex-chtml.js").write_text("/* MathJax */")
        if fonts:
            (static / "output" / "chtml" / "fonts" / "woff-v2").mkdir(parents=True)
    return root


def run(root: Path, capsys) -> tuple[int, str]:
    status = check_offline_math.main([str(root)])
    out = capsys.readouterr()
    return status, out.out + out.err


def test_local_mathjax_passes(tmp_path, capsys):
    root = write_site(
        tmp_path,
        {
            "index.html": page("<p>no formulas here</p>"),
            "guide/maths.html": page(LOCAL.format(prefix="../"), MATH),
        },
    )
    status, out = run(root, capsys)
    assert status == 0, out
    assert "2 pages, 1 with formulas" in out


@pytest.mark.parametrize(
    "pages, mathjax, fonts, message",
    [
        ({"a.html": page(CDN, MATH)}, True, True, "remote URL"),
        (
            {
                "a.html": page(
                    "<script>window.MathJax = {loader: {paths: {mathjax: "
                    '"https://cdn.example.org/mathjax@3/es5"}}}</script>',
                    LOCAL.format(prefix=""),
                    MATH,
                )
            },
            True,
            True,
            "inline script points at a remote MathJax",
        ),
        ({"a.html": page(LOCAL.format(prefix=""), MATH)}, False, True, "missing"),
        ({"a.html": page(LOCAL.format(prefix=""), MATH)}, True, False, "fonts"),
        ({"a.html": page(MATH)}, True, True, "loads no MathJax"),
        ({"a.html": page("<p>text</p>")}, True, True, "no page has a formula"),
        ({}, False, False, "no HTML pages"),
    ],
    ids=[
        "cdn",
        "inline-config",
        "missing-file",
        "missing-fonts",
        "none",
        "nomath",
        "empty",
    ],
)
def test_problems_fail_the_check(tmp_path, capsys, pages, mathjax, fonts, message):
    root = write_site(tmp_path, pages, mathjax=mathjax, fonts=fonts)
    status, out = run(root, capsys)
    assert status == 1
    assert message in out
