"""Validate an SPDX 2.3 JSON document the way `pyspdxtools -i FILE` does (spdx-tools: parse, then validate)."""

import sys

from _common import missing

try:
    from spdx_tools.spdx.parser.error import SPDXParsingError
    from spdx_tools.spdx.parser.parse_anything import parse_file
    from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
except ImportError as e:
    missing("spdx_tools (spdx-tools)", e)

path = sys.argv[1]
try:
    document = parse_file(path)
except SPDXParsingError as e:
    for m in e.get_messages():
        print(f"{path}: parse error: {m}", file=sys.stderr)
    sys.exit(1)
# pyspdxtools validates against the version the document states; we state SPDX-2.3, so check exactly that.
messages = validate_full_spdx_document(document, "SPDX-2.3")
for m in messages:
    print(f"{path}: {m.validation_message} (context: {m.context})", file=sys.stderr)
if messages:
    sys.exit(1)
print(f"{path}: valid SPDX 2.3, {len(document.packages)} packages, {len(document.relationships)} relationships")
