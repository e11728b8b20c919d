#!/usr/bin/env python3
"""Invariant of scripts/chaos.sh: the analytics counters equal the accepted writes.

  check_analytics_counters.py REPORT_JSON ANALYTICS_URL

Compares GET /analytics/summary with chaos_load.py's counts of each kind of
accepted write. Prints one line; exits 1 if they differ.
"""
import json
import os
import sys
import urllib.request

counts = json.load(open(sys.argv[1]))["counts"]
try:
    request = urllib.request.Request(f"{sys.argv[2]}/analytics/summary", headers={"Authorization": f"Bearer {os.environ.get('BEARER_TOKEN', '')}"})
    summary = json.load(urllib.request.urlopen(request, timeout=10))
except OSError as error:
    print(f"no summary from {sys.argv[2]}: {error}")
    sys.exit(1)
expected = {"eventsApplied": counts["creates"] + counts["updates"] + counts["deletes"], "profileUpdates": counts["updates"],
            "deletedUsers": counts["deletes"], "users": counts["creates"] - counts["deletes"]}
actual = {key: summary[key] for key in expected}
print(f"expected {expected}, got {actual}")
sys.exit(0 if actual == expected else 1)
