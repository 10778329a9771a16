"""A plan's bibliography as BibTeX: one entry per cited paper, keyed like the plan's citations.

arXiv-only papers become `@misc` with `eprint`/`archivePrefix`; papers with a venue become `@article` with the
venue as `journal` (and the eprint too when there is one). Field values are escaped for LaTeX so that every
entry's braces balance whatever the title holds.
"""
from __future__ import annotations

_SPECIAL = {
    "\\": r"\textbackslash{}", "{": r"\textbraceleft{}", "}": r"\textbraceright{}", "&": r"\&", "%": r"\%",
    "$": r"\$", "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def escape(text: str) -> str:
    """LaTeX-safe text; braces become commands, so brace counting in BibTeX stays balanced."""
    return "".join(_SPECIAL.get(ch, ch) for ch in " ".join(str(text).split()))


def url(text: str) -> str:
    """URLs are taken verbatim by the url package; only what would break BibTeX's brace counting (or split
    the value) is percent-encoded."""
    return "".join({"{": "%7B", "}": "%7D", "\\": "%5C", " ": "%20"}.get(ch, ch) for ch in text.strip())


def _name(author: str) -> str:
    """A name BibTeX will not split: one containing ' and ' is wrapped in braces."""
    text = escape(author)
    return "{" + text + "}" if " and " in f" {text} " else text


def entry(e) -> str:
    """One BibTeX entry for a BibEntry (or a dict with its fields)."""
    get = e.get if isinstance(e, dict) else lambda k: getattr(e, k)
    venue, arxiv = get("venue"), get("arxiv")
    arxiv_only = arxiv and (not venue or venue.strip().lower() == "arxiv")
    kind = "misc" if arxiv_only or not venue else "article"
    fields: list[tuple[str, str]] = [("title", "{" + escape(get("title")) + "}")]
    if get("authors"):
        fields.append(("author", " and ".join(_name(a) for a in get("authors"))))
    if get("year") is not None:
        fields.append(("year", str(get("year"))))
    if venue and not arxiv_only:
        fields.append(("journal", escape(venue)))
    if arxiv:
        fields += [("eprint", escape(arxiv)), ("archivePrefix", "arXiv")]
    if get("url"):
        fields.append(("url", url(get("url"))))
    fields.append(("note", escape(f"goalgraph node {get('iri')}")))
    body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
    return f"@{kind}{{{get('key')},\n{body}\n}}\n"


def render_bibtex(plan) -> str:
    """Every bibliography entry of the plan, in its order, separated by blank lines."""
    return "\n".join(entry(e) for e in plan.bibliography)
