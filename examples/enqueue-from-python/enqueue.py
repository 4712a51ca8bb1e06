#!/usr/bin/env python3
"""Queues work in Nightshift from Python, with the standard library only: a thousand runs in one
request, each with its params and a unique key, then the same key again, which answers the run
already queued instead of a second one.

    NIGHTSHIFT_URL=http://127.0.0.1:8080 NIGHTSHIFT_TOKEN=... python3 enqueue.py
"""
import datetime
import json
import os
import urllib.request

URL = os.environ.get("NIGHTSHIFT_URL", "http://127.0.0.1:8080")
TOKEN = os.environ["NIGHTSHIFT_TOKEN"]
JOB = os.environ.get("NIGHTSHIFT_JOB", "send-invoice")


def enqueue(runs):
    """POST /api/runs with one run (a dict) or many (a list); answers each run."""
    request = urllib.request.Request(
        URL + "/api/runs",
        data=json.dumps(runs).encode(),
        method="POST",
        headers={"Authorization": "Bearer " + TOKEN, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request) as answer:
        return json.load(answer)["runs"]


# In a minute, not at once, so that the runs are still queued when the same key comes again.
later = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
runs = enqueue([{"job": JOB, "params": {"invoice": n}, "uniqueKey": f"invoice-{n}", "runAt": later} for n in range(1, 1001)])
again = enqueue({"job": JOB, "params": {"invoice": 1}, "uniqueKey": "invoice-1"})
print(f"queued {len(runs)} runs; invoice-1 again: existing={again[0]['existing']}, same run={again[0]['runId'] == runs[0]['runId']}")
