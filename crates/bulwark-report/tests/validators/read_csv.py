"""Read a CSV file with Python's `csv` module (the default `excel` dialect: RFC 4180 quoting) and print its rows.

Prints one JSON line {"rows": [[cell, ...], ...], "crlf": bool, "bare_lf": bool}: the cells as a spreadsheet or a
script would get them, and whether records end with CRLF (and whether any bare LF appears).
"""

import csv
import io
import json
import sys

path = sys.argv[1]
raw = open(path, "rb").read()
text = raw.decode("utf-8", errors="strict")
rows = list(csv.reader(io.StringIO(text, newline=""), strict=True))
crlf = raw.endswith(b"\r\n")
bare_lf = b"\n" in raw.replace(b"\r\n", b"")
print(json.dumps({"rows": rows, "crlf": crlf, "bare_lf": bare_lf}))
