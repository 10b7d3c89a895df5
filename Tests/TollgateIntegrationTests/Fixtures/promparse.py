"""Parses Prometheus text exposition from stdin with the reference client's parser (prometheus_client) and
prints one JSON object per sample: {"name", "labels", "value"}, plus the families' types. Exit 1 on a parse
error, so a test fails on output Prometheus would reject."""
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

text = sys.stdin.read()
out = {"types": {}, "samples": []}
try:
    for family in text_string_to_metric_families(text):
        out["types"][family.name] = family.type
        for s in family.samples:
            out["samples"].append({"name": s.name, "labels": s.labels, "value": s.value})
except Exception as e:  # noqa: BLE001 - any parse failure is the answer
    print("parse error: %s" % e, file=sys.stderr)
    sys.exit(1)
json.dump(out, sys.stdout)
