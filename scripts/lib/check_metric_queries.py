#!/usr/bin/env python3
"""Checks the PromQL of the Grafana dashboards and the alert rules (run by scripts/test.sh).

    check_metric_queries.py [--metrics DUMP]... [--datasources FILE] FILE...

FILE is a Grafana dashboard (.json) or a Prometheus rules file (.yml). Checks:

1. Every panel query, every query variable and every rule expression parses:
   they go, Grafana variables substituted, into a generated rules file that
   `promtool check rules` reads (one group per query, named after where it is).
2. Every dashboard panel uses a datasource uid provisioned in --datasources.
3. With --metrics: every metric name the queries use is exported. A DUMP is the
   text of a /metrics page (Prometheus exposition format); a histogram's
   _bucket/_sum/_count (and a summary's _sum/_count) count as its family.
   Names Prometheus makes itself (up, ALERTS, …) and recording rules of the
   rules files need no dump. Give one dump per service, taken after the
   services did the work that creates their labelled series.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

import yaml

# Grafana's built-in variables, replaced by values of the same kind before parsing.
GRAFANA_BUILTINS = {
    "__rate_interval": "1m", "__interval": "15s", "__range": "1h",
    "__interval_ms": "15000", "__range_s": "3600", "__range_ms": "3600000",
}
# Series Prometheus writes itself, not the services.
PROMETHEUS_NAMES = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped",
                    "scrape_samples_post_metric_relabeling", "scrape_series_added"}
PROMQL_KEYWORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right",
                   "bool", "offset", "inf", "nan", "start", "end"}
FAMILY_SUFFIXES = {"histogram": ("_bucket", "_sum", "_count"), "summary": ("_sum", "_count"), "gaugehistogram": ("_bucket", "_gsum", "_gcount")}


class Query:
    def __init__(self, where, expr):
        self.where = where
        self.expr = expr


def substitute(expr, variables):
    """Replaces $name, ${name}, ${name:format} and [[name]] by a sample value."""
    def value(name):
        if name in GRAFANA_BUILTINS:
            return GRAFANA_BUILTINS[name]
        if name in variables:
            return variables[name]
        raise ValueError(f"unknown Grafana variable ${name}")
    expr = re.sub(r"\$\{(\w+)(?::\w+)?\}", lambda m: value(m.group(1)), expr)
    expr = re.sub(r"\[\[(\w+)\]\]", lambda m: value(m.group(1)), expr)
    return re.sub(r"\$(\w+)", lambda m: value(m.group(1)), expr)


def variable_query(variable):
    """The PromQL inside a query variable (label_values(m, l) → m), or None."""
    query = variable.get("query")
    if isinstance(query, dict):
        query = query.get("query")
    if not query:
        return None
    m = re.fullmatch(r"\s*label_values\((.*),\s*\w+\s*\)\s*", query, re.S)
    if m:
        return m.group(1)
    m = re.fullmatch(r"\s*query_result\((.*)\)\s*", query, re.S)
    if m:
        return m.group(1)
    if re.fullmatch(r"\s*(label_values\(\s*\w+\s*\)|label_names\(\)|metrics\(.*\))\s*", query):
        return None
    return query


def sample_value(variable):
    """A value a dashboard variable may take, for the parse: a custom value or a job name."""
    for option in variable.get("options") or []:
        if option.get("value") not in (None, "$__all"):
            return str(option["value"])
    return "sample-value"


def walk_panels(panels):
    for panel in panels:
        yield panel
        yield from walk_panels(panel.get("panels") or [])


def dashboard_queries(path, datasource_uids, problems):
    with open(path) as f:
        dashboard = json.load(f)
    name = os.path.basename(path)
    templating = dashboard.get("templating", {}).get("list", [])
    variables = {v["name"]: sample_value(v) for v in templating}
    queries = []
    for variable in templating:
        if variable.get("type") == "query" and variable_query(variable):
            queries.append(Query(f"{name} variable ${variable['name']}", variable_query(variable)))
    ids = set()
    for panel in walk_panels(dashboard.get("panels", [])):
        if panel.get("type") == "row":
            continue
        title = panel.get("title", "?")
        if panel.get("id") in ids:
            problems.append(f"{name}: panel '{title}' repeats id {panel.get('id')}")
        ids.add(panel.get("id"))
        uid = (panel.get("datasource") or {}).get("uid")
        if datasource_uids is not None and uid not in datasource_uids:
            problems.append(f"{name}: panel '{title}' uses datasource uid {uid!r}, provisioned: {sorted(datasource_uids)}")
        targets = panel.get("targets") or []
        if not targets:
            problems.append(f"{name}: panel '{title}' has no query")
        for target in targets:
            if not target.get("expr"):
                problems.append(f"{name}: panel '{title}' query {target.get('refId')} has no expr")
                continue
            queries.append(Query(f"{name} panel '{title}' {target.get('refId', '')}".strip(), target["expr"]))
    for query in queries:
        try:
            query.expr = substitute(query.expr, variables)
        except ValueError as error:
            problems.append(f"{query.where}: {error}")
    return queries


def rule_queries(path, recorded):
    with open(path) as f:
        rules = yaml.safe_load(f)
    name = os.path.basename(path)
    queries = []
    for group in rules.get("groups", []):
        for rule in group.get("rules", []):
            label = rule.get("alert") or rule.get("record")
            if rule.get("record"):
                recorded.add(rule["record"])
            queries.append(Query(f"{name} rule {label}", rule["expr"]))
    return queries


def check_parse(queries, promtool):
    """promtool check rules on one recording rule per query; returns promtool's complaints."""
    groups = [{"name": q.where, "rules": [{"record": f"check:query_{i}", "expr": q.expr}]} for i, q in enumerate(queries)]
    with tempfile.NamedTemporaryFile("w", suffix=".yml", delete=False) as f:
        json.dump({"groups": groups}, f)  # JSON is YAML
        generated = f.name
    try:
        run = subprocess.run([promtool, "check", "rules", generated], capture_output=True, text=True)
    finally:
        os.unlink(generated)
    return None if run.returncode == 0 else (run.stdout + run.stderr).replace(generated, "<queries>")


def metric_names(expr):
    """The metric names a PromQL expression selects (a tokenizer, enough for our queries)."""
    s = re.sub(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`', '""', expr)  # strings
    s = re.sub(r"\{[^}]*\}", "{}", s)  # label matchers
    s = re.sub(r"\[[^\]]*\]", "[]", s)  # ranges and subqueries
    s = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", s)  # grouping clauses
    names = set()
    for m in re.finditer(r"(?<![\w:.])[A-Za-z_:][\w:]*", s):
        word = m.group(0)
        rest = s[m.end():].lstrip()
        if word in PROMQL_KEYWORDS or rest.startswith("("):
            continue  # a keyword, a function or an aggregation
        names.add(word)
    return names


def exported_names(dumps):
    names = set()
    for path in dumps:
        with open(path) as f:
            for line in f:
                if line.startswith("# TYPE "):
                    parts = line.split()
                    family, kind = parts[2], parts[3] if len(parts) > 3 else "untyped"
                    names.add(family)
                    names.update(family + suffix for suffix in FAMILY_SUFFIXES.get(kind, ()))
                elif line.strip() and not line.startswith("#"):
                    names.add(re.match(r"[A-Za-z_:][\w:]*", line).group(0))
    return names


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="+", help="dashboard .json and rules .yml files")
    parser.add_argument("--metrics", action="append", default=[], metavar="DUMP",
                        help="the /metrics text of a service (repeat for each service)")
    parser.add_argument("--datasources", help="Grafana datasource provisioning file: panels must use its uids")
    parser.add_argument("--promtool", default="promtool")
    args = parser.parse_args()

    problems, queries, recorded = [], [], set()
    uids = None
    if args.datasources:
        with open(args.datasources) as f:
            uids = {d.get("uid") for d in yaml.safe_load(f).get("datasources", [])}
    for path in args.files:
        if path.endswith(".json"):
            queries += dashboard_queries(path, uids, problems)
        else:
            queries += rule_queries(path, recorded)

    complaint = check_parse(queries, args.promtool)
    if complaint:
        problems.append("promtool could not parse every query:\n" + complaint)

    used = {}
    for query in queries:
        for name in metric_names(query.expr):
            used.setdefault(name, []).append(query.where)
    if args.metrics:
        exported = exported_names(args.metrics) | PROMETHEUS_NAMES | recorded
        for name in sorted(set(used) - exported):
            problems.append(f"{name} is exported by no service (dumps: {', '.join(args.metrics)}); used by: " + "; ".join(used[name]))

    if problems:
        for problem in problems:
            print(f"check_metric_queries: {problem}", file=sys.stderr)
        sys.exit(1)
    checked = f"all {len(used)} metric names exported" if args.metrics else f"{len(used)} metric names (not compared with a /metrics dump)"
    print(f"check_metric_queries: {len(queries)} queries parse; {checked}")


if __name__ == "__main__":
    main()
