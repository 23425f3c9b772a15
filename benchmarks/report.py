"""Tables printed as aligned text or GitHub Markdown, and number formatting."""

from __future__ import annotations


def fmt(value, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def fmt_ratio(num, den) -> str:
    if num is None or den is None or den == 0:
        return "n/a"
    return f"{num / den:.2f}x"


class Table:
    """A titled table printed as aligned text or as GitHub Markdown."""

    def __init__(self, title: str, headers: list[str]):
        self.title = title
        self.headers = headers
        self.rows: list[list[str]] = []
        self.notes: list[str] = []

    def add(self, *cells) -> None:
        self.rows.append([str(c) for c in cells])

    def note(self, text: str) -> None:
        self.notes.append(text)

    def render(self, markdown: bool = False) -> str:
        if markdown:
            out = [f"#### {self.title}", ""]
            out.append("| " + " | ".join(self.headers) + " |")
            out.append("|" + "|".join(["---"] + ["---:"] * (len(self.headers) - 1)))
            out[-1] += "|"
            out += ["| " + " | ".join(row) + " |" for row in self.rows]
            out += [""] + [f"- {n}" for n in self.notes]
            return "\n".join(out) + "\n"
        widths = [
            max(len(str(r[i])) for r in [self.headers, *self.rows])
            for i in range(len(self.headers))
        ]

        def line(cells):
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
            return "  ".join([first, *rest]).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [f"== {self.title} ==", line(self.headers), rule]
        out += [line(row) for row in self.rows]
        out += [f"  * {n}" for n in self.notes]
        return "\n".join(out) + "\n"

    def print(self, markdown: bool = False) -> None:
        print(self.render(markdown), flush=True)
