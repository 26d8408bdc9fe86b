"""Parse a JUnit XML file with junitparser and check that the declared counts match the test cases.

Prints one JSON line {"suites": {name: {tests, failures, errors, skipped}}, "tests": N, "failures": N} so the Rust test
can compare the counts with the report it rendered.
"""

import json
import sys

from _common import missing

try:
    from junitparser import Error, Failure, JUnitXml, Skipped
except ImportError as e:
    missing("junitparser", e)

path = sys.argv[1]
xml = JUnitXml.fromfile(path)
suites = {}
problems = []
total_tests = total_failures = 0
for suite in xml:
    cases = list(suite)
    counted = {
        "tests": len(cases),
        "failures": sum(1 for c in cases for r in c.result if isinstance(r, Failure)),
        "errors": sum(1 for c in cases for r in c.result if isinstance(r, Error)),
        "skipped": sum(1 for c in cases for r in c.result if isinstance(r, Skipped)),
    }
    declared = {k: getattr(suite, k) for k in counted}
    if counted != declared:
        problems.append(f"suite {suite.name!r}: declared {declared}, counted {counted}")
    suites[suite.name] = counted
    total_tests += counted["tests"]
    total_failures += counted["failures"]
if xml.tests != total_tests or xml.failures != total_failures:
    problems.append(f"<testsuites>: declared tests={xml.tests} failures={xml.failures}, counted {total_tests}/{total_failures}")
for p in problems:
    print(f"{path}: {p}", file=sys.stderr)
if problems:
    sys.exit(1)
print(json.dumps({"suites": suites, "tests": total_tests, "failures": total_failures}))
