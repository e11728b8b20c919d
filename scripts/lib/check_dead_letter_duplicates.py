#!/usr/bin/env python3
"""Invariant of scripts/chaos.sh: no record is dead-lettered twice.

  kcat -C -J -e -o beginning -t TOPIC … | check_dead_letter_duplicates.py TOPIC

Reads a dead-letter topic as kcat's JSON lines (one record a line, headers as
[name, value, …]) and looks for two dead letters of the same original record
(same dlq-original-topic, dlq-original-partition and dlq-original-offset).
Prints one line; exits 1 if any original record is there twice, or if a line is
not a dead letter.
"""
import collections
import json
import sys

topic = sys.argv[1]
seen = collections.Counter()
malformed = 0
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    try:
        record = json.loads(line)
        flat = record.get("headers") or []
        headers = dict(zip(flat[0::2], flat[1::2]))
        seen[(headers["dlq-original-topic"], headers["dlq-original-partition"], headers["dlq-original-offset"])] += 1
    except (ValueError, KeyError, TypeError):
        malformed += 1
twice = {key: n for key, n in seen.items() if n > 1}
total = sum(seen.values())
detail = f"{total} dead letter(s) in {topic}, {len(twice)} original record(s) dead-lettered more than once"
if twice:
    detail += "; e.g. " + ", ".join(f"{t}[{p}]@{o} ×{n}" for (t, p, o), n in list(twice.items())[:3])
if malformed:
    detail += f"; {malformed} record(s) without dlq-original-* headers"
print(detail)
sys.exit(1 if twice or malformed else 0)
