#!/usr/bin/env python3
"""Summarises chaos_load.py's report for scripts/chaos.sh's table.

  summarize_chaos_load.py REPORT_JSON

Prints one line of counts (accepted writes by kind, retries, given up,
unexpected answers), then up to five of the errors the load recorded.
"""
import json
import sys

report = json.load(open(sys.argv[1]))
c = report["counts"]
print(f"{c['creates'] + c['updates'] + c['noops'] + c['deletes']} accepted ({c['creates']} creates, {c['updates']} updates, "
      f"{c['noops']} no-ops, {c['deletes']} deletes) in {report['seconds']:.0f} s; {c['retries']} retries; "
      f"{c['failed']} given up; {c['unexpected']} unexpected")
for error in report["errors"][:5]:
    print("  error:", error)
