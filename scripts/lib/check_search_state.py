#!/usr/bin/env python3
"""Invariant of scripts/chaos.sh: search holds every user's final state.

  check_search_state.py REPORT_JSON SEARCH_URL

For each user in chaos_load.py's report: a live user is indexed at its final
version, name, email and bio; a deleted user is absent (404). Prints one line;
exits 1 if any user differs or search stops answering.
"""
import json
import os
import sys
import urllib.error
import urllib.request

report = json.load(open(sys.argv[1]))
base = sys.argv[2]
wrong = []
unanswered = 0
for user_id, expected in report["users"].items():
    try:
        request = urllib.request.Request(f"{base}/search/users/{user_id}", headers={"Authorization": f"Bearer {os.environ.get('BEARER_TOKEN', '')}"})
        with urllib.request.urlopen(request, timeout=10) as response:
            doc = json.load(response)
        if expected["deleted"] or (doc["version"], doc["name"], doc["email"], doc["bio"]) != (expected["version"], expected["name"], expected["email"], expected["bio"]):
            wrong.append(f"{user_id}: indexed v{doc['version']}, expected {'deleted' if expected['deleted'] else 'v%d' % expected['version']}")
    except urllib.error.HTTPError as error:
        if error.code != 404 or not expected["deleted"]:
            wrong.append(f"{user_id}: HTTP {error.code}, expected v{expected['version']}")
    except OSError as error:  # no answer (refused, timed out): a few are enough to stop
        wrong.append(f"{user_id}: no answer from search: {error}")
        unanswered += 1
        if unanswered >= 3:
            print(f"search at {base} stopped answering; {wrong[:3]}")
            sys.exit(1)
print(f"{len(report['users']) - len(wrong)}/{len(report['users'])} users as expected" + (f"; e.g. {wrong[:3]}" if wrong else ""))
sys.exit(1 if wrong else 0)
