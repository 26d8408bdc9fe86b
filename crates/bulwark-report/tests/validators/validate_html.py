"""Parse an HTML page with html5lib in strict mode (any parse error fails) and check what a filed report needs.

Checks: `<!DOCTYPE html>`, `<html lang>`, a `<title>`, no `<script>`, `<iframe>`, `<object>`, `<embed>`, `<link>` or
`<img>` element, no `on*` event-handler attribute, no `src`/`href`/`action` pointing outside the page (only `#frag`
links), every `<table>` with a `<caption>` or `aria-label`, every `<th>` with a `scope`.

Prints one JSON line {"title", "text", "tables": [{"caption", "rows": [[cell text, ...], ...]}], "details": [summary
text]} so the Rust test can compare what a reader sees (hostile strings must come out as text) with the report it
rendered.
"""

import json
import sys

from _common import missing

try:
    import html5lib
    from html5lib.html5parser import ParseError
except ImportError as e:
    missing("html5lib", e)

path = sys.argv[1]
data = open(path, "rb").read()
problems = []
if not data.lstrip().lower().startswith(b"<!doctype html>"):
    problems.append("no <!DOCTYPE html> at the start")
try:
    root = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data)
except ParseError as e:
    print(f"{path}: HTML parse error: {e}", file=sys.stderr)
    sys.exit(1)

if not root.get("lang"):
    problems.append("<html> has no lang")
title = root.find("head/title")
if title is None or not (title.text or "").strip():
    problems.append("no <title>")
for el in root.iter():
    tag = el.tag if isinstance(el.tag, str) else ""
    if tag in ("script", "iframe", "object", "embed", "link", "img", "frame", "base", "form"):
        problems.append(f"forbidden element <{tag}>")
    for k, v in el.attrib.items():
        if k.lower().startswith("on"):
            problems.append(f"event handler attribute {k}={v!r} on <{tag}>")
        if k.lower() in ("src", "href", "action", "formaction", "srcset") and not v.startswith("#"):
            problems.append(f"external reference {k}={v!r} on <{tag}>")
tables = []
for t in root.iter("table"):
    cap = t.find("caption")
    if cap is None and not t.get("aria-label"):
        problems.append("a <table> without <caption> or aria-label")
    rows = [["".join(c.itertext()) for c in tr if c.tag in ("th", "td")] for tr in t.iter("tr")]
    tables.append({"caption": "".join(cap.itertext()) if cap is not None else t.get("aria-label"), "rows": rows})
for th in root.iter("th"):
    if th.get("scope") not in ("col", "row", "colgroup", "rowgroup"):
        problems.append(f"<th> without scope: {''.join(th.itertext())!r}")
details = ["".join(s.itertext()) for d in root.iter("details") for s in d.iter("summary")]
body = root.find("body")
for p in problems:
    print(f"{path}: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(json.dumps({
    "title": "".join(title.itertext()),
    "text": "".join(body.itertext()),
    "tables": tables,
    "details": details,
}))
