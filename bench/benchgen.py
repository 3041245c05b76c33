"""benchgen.py - what the benchmarks' data generators share.

Imported by store-gen.py and alert-gen.py (from this directory).
Standard library only.
"""

import datetime
import zoneinfo

NY = zoneinfo.ZoneInfo("America/New_York")
UTC = datetime.timezone.utc
SEVERITIES = (("low", 2.0, 2.5), ("medium", 2.5, 3.0), ("high", 3.0, 4.0),
              ("critical", 4.0, 7.0))
SEVERITY_WEIGHTS = (50, 25, 15, 10)


def trading_days(end, n):
    """The n weekdays up to and including end, oldest first."""
    out = []
    d = end
    while len(out) < n:
        if d.weekday() < 5:
            out.append(d)
        d -= datetime.timedelta(days=1)
    return out[::-1]
