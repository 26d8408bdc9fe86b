"""Prints CERT/CC certcc-ssvc's CISA Coordinator decision table, one row per line:
exploitation automatable technical_impact mission_wellbeing outcome (the package's value keys, e.g. `A Y T H A`).
Exits non-zero when the package or the table cannot be loaded: the Rust test treats that as a failure."""
import sys

from ssvc.decision_tables.cisa.cisa_coordinate_dt import CISA_COORDINATE_1 as table

columns = ["ssvc:E:1.1.0", "ssvc:A:2.0.0", "ssvc:TI:1.0.0", "ssvc:MWI:1.0.0", "cisa:CISA:1.1.0"]
# The table must use exactly the decision points we compare, or the comparison means nothing.
if set(table.decision_points) != set(columns) or table.outcome != columns[-1]:
    sys.exit(f"unexpected decision points {sorted(table.decision_points)} / outcome {table.outcome}")
for row in table.mapping:
    print(" ".join(row[c] for c in columns))
