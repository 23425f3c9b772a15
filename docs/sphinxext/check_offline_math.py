"""Check that the built site typesets its formulas without network access.

Usage, after the HTML build::

    python docs/sphinxext/check_offline_math.py docs/_build/html

Every page is read, and the check fails (exit status 1, one line per problem)
when

* a page loads MathJax from a remote address: a ``<script>`` or ``<link>``
  whose URL names MathJax and starts with ``http:``, ``https:`` or ``//``, or
  an inline script (such as a ``window.MathJax`` configuration) that points
  at one; opened offline, such a page shows raw LaTeX;
* a page loads a local MathJax script that is not in the build, or the
  CommonHTML fonts that script needs are missing;
* a page has formulas (Sphinx's ``math`` elements) but loads no MathJax;
* no page has a formula at all, which means the check looked at the wrong
  directory.
"""

from __future__ import annotations

import argparse
import re
import sys
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

_REMOTE = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
_REMOTE_MATHJAX_IN_TEXT = re.compile(r"(?:https?:)?//[^\s\"'`]*mathjax", re.IGNORECASE)
# Where MathJax 3's CommonHTML output loads its fonts, relative to the
# directory of the combined component (tex-chtml.js and the like).
_CHTML_FONTS = Path("output", "chtml", "fonts", "woff-v2")


class _PageScanner(HTMLParser):
    """Collect the script and link URLs, inline scripts and math elements."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts: list[str] = []
        self.math_elements = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if attrs.get("src"):
                self.urls.append(attrs["src"])
            else:
                self._in_script = True
                self.inline_scripts.append("")
        elif tag == "link" and attrs.get("href"):
            self.urls.append(attrs["href"])
        # Sphinx writes inline math as <span class="math ..."> and display
        # math as <div class="math ...">.
        if "math" in (attrs.get("class") or "").split():
            self.math_elements += 1

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = False

    def handle_data(self, data):
        if self._in_script:
            self.inline_scripts[-1] += data


def check_page(page: Path, root: Path) -> tuple[list[str], bool]:
    """Problems of one page, and whether it has formulas."""
    scanner = _PageScanner()
    scanner.feed(page.read_text(encoding="utf-8", errors="replace"))
    name = page.relative_to(root).as_posix()
    problems = []
    local_mathjax = []
    for url in scanner.urls:
        if "mathjax" not in url.lower():
            continue
        if _REMOTE.match(url):
            problems.append(f"{name}: loads MathJax from a remote URL: {url}")
        else:
            local_mathjax.append(url)
    for body in scanner.inline_scripts:
        for match in _REMOTE_MATHJAX_IN_TEXT.finditer(body):
            problems.append(
                f"{name}: inline script points at a remote MathJax: {match.group()}"
            )
    for url in local_mathjax:
        target = (page.parent / unquote(urlsplit(url).path)).resolve()
        if not target.is_file() or target.stat().st_size == 0:
            problems.append(f"{name}: local MathJax file is missing: {url}")
        elif "chtml" in target.name and not (target.parent / _CHTML_FONTS).is_dir():
            problems.append(
                f"{name}: {url} is there but its fonts are not "
                f"({(target.parent / _CHTML_FONTS).relative_to(root)})"
            )
    if scanner.math_elements and not local_mathjax and not problems:
        problems.append(f"{name}: has formulas but loads no MathJax")
    return problems, scanner.math_elements > 0


def check_site(root: Path) -> tuple[list[str], int, int]:
    """Problems of every page under ``root``; pages read; pages with math."""
    pages = sorted(root.rglob("*.html"))
    problems: list[str] = []
    with_math = 0
    for page in pages:
        page_problems, has_math = check_page(page, root)
        problems += page_problems
        with_math += has_math
    if not pages:
        problems.append(f"{root}: no HTML pages (was the site built?)")
    elif not with_math:
        problems.append(f"{root}: no page has a formula; is this the built site?")
    return problems, len(pages), with_math


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fail if the built HTML loads MathJax from the network."
    )
    parser.add_argument("html_dir", type=Path, help="e.g. docs/_build/html")
    args = parser.parse_args(argv)
    root = args.html_dir.resolve()
    problems, n_pages, with_math = check_site(root)
    for problem in problems:
        print(problem, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) in {n_pages} pages", file=sys.stderr)
        return 1
    print(
        f"{n_pages} pages, {with_math} with formulas: MathJax is loaded from "
        "the site itself, never from the network"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
