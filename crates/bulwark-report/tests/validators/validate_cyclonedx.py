"""Validate a CycloneDX 1.6 JSON BOM with cyclonedx-python-lib's strict validator (the schema ships in the wheel)."""

import sys

from _common import missing

try:
    from cyclonedx.exception import MissingOptionalDependencyException
    from cyclonedx.schema import SchemaVersion
    from cyclonedx.validation.json import JsonStrictValidator
except ImportError as e:
    missing("cyclonedx (cyclonedx-python-lib[json-validation])", e)

path = sys.argv[1]
with open(path, encoding="utf-8") as f:
    data = f.read()
try:
    error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(data)
except MissingOptionalDependencyException as e:  # the [json-validation] extra is absent
    missing("cyclonedx-python-lib[json-validation] extra", e)
if error is not None:
    print(f"{path}: invalid CycloneDX 1.6: {error}", file=sys.stderr)
    sys.exit(1)
print(f"{path}: valid CycloneDX 1.6")
