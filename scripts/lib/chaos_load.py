#!/usr/bin/env python3
"""Load generator for scripts/chaos.sh.

Drives random profile writes (creates, PUTs, PATCHes, deletes) from N concurrent
clients against user-service and records, exactly, what was accepted. Each client
owns its users, so the expected final state of every user is known without races.
Every write carries an Idempotency-Key and is retried with the same key until it
gets a definitive answer: a write whose outcome was lost in a crash (a connection
reset after the request was sent) is replayed, never guessed.

Writes a JSON report: the counts per kind and every user's expected final state.

  chaos_load.py HOST:PORT WRITES CLIENTS REPORT_JSON [DEADLINE_SECONDS (600)] [MIN_SECONDS (0)]

MIN_SECONDS spreads the writes evenly over at least that long (write i is not
started before i × MIN_SECONDS / WRITES), so that faults injected during that
time all hit a running load; 0 writes as fast as the clients can.
"""
import http.client
import json
import os
import random
import sys
import threading
import time
import uuid

base_host, base_port = sys.argv[1].split(":")
total_writes = int(sys.argv[2])
clients = int(sys.argv[3])
report_path = sys.argv[4]
deadline_seconds = float(sys.argv[5]) if len(sys.argv) > 5 else 600
min_seconds = float(sys.argv[6]) if len(sys.argv) > 6 else 0

lock = threading.Lock()
issued = 0
counts = {"creates": 0, "updates": 0, "noops": 0, "deletes": 0, "retries": 0, "failed": 0, "unexpected": 0}
users = {}  # id -> {"version", "deleted", "name", "email", "bio"}
errors = []
started = time.monotonic()


def take_ticket():
    """Takes the next write, waiting for its turn when the load is paced; False when all are taken."""
    global issued
    with lock:
        if issued >= total_writes:
            return False
        due = started + issued * min_seconds / total_writes
        issued += 1
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
    return True


def count(kind, amount=1):
    with lock:
        counts[kind] += amount


class Client:
    def __init__(self, number):
        self.number = number
        self.connection = None
        self.live = []  # ids of this client's live users
        self.state = {}
        self.random = random.Random(number)

    def request(self, method, path, body, headers):
        """Sends until a definitive answer (not 5xx, not a transport error) or the deadline."""
        started = time.monotonic()
        attempt = 0
        while True:
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(base_host, int(base_port), timeout=15)
                if os.environ.get("BEARER_TOKEN"):
                    headers = {**headers, "Authorization": f"Bearer {os.environ['BEARER_TOKEN']}"}
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                data = response.read()
                if response.status >= 500:
                    raise IOError(f"HTTP {response.status}: {data[:200]!r}")
                return response.status, data
            except Exception as error:  # connection refused or reset, 5xx: retry with the same key
                if self.connection is not None:
                    self.connection.close()
                    self.connection = None
                attempt += 1
                count("retries")
                if time.monotonic() - started > 120:
                    with lock:
                        errors.append(f"{method} {path}: gave up after {attempt} attempts: {error}")
                    return None, b""
                time.sleep(min(1.0, 0.05 * (2 ** min(attempt, 5))) * self.random.random() + 0.02)

    def write(self, method, path, document, if_match=None):
        headers = {"Content-Type": "application/json", "Idempotency-Key": str(uuid.uuid4())}
        if if_match is not None:
            headers["If-Match"] = f'"{if_match}"'
        body = json.dumps(document) if document is not None else None
        return self.request(method, path, body, headers)

    def profile(self):
        words = ["ada", "grace", "alan", "edsger", "barbara", "leslie", "donald", "frances", "john", "radia"]
        return self.random.choice(words).title() + " " + self.random.choice(words).title(), " ".join(
            self.random.choice(words) for _ in range(self.random.randint(0, 6))
        )

    def run(self):
        while take_ticket():
            self.step()

    def step(self):
        choice = self.random.random()
        if len(self.live) < 3 or choice < 0.2:
            name, bio = self.profile()
            email = f"c{self.number}-{uuid.uuid4().hex[:12]}@example.com"
            status, data = self.write("POST", "/users", {"name": name, "email": email, "bio": bio})
            if status == 201:
                user = json.loads(data)
                self.live.append(user["id"])
                self.record(user, deleted=False)
                count("creates")
            else:
                self.fail("POST", status, data)
            return
        user_id = self.random.choice(self.live)
        current = self.state[user_id]
        if choice < 0.3:
            status, data = self.write("DELETE", f"/users/{user_id}", None, current["version"])
            if status == 204:
                self.live.remove(user_id)
                with lock:
                    users[user_id] = dict(current, deleted=True, version=current["version"] + 1)
                count("deletes")
            else:
                self.fail("DELETE", status, data)
            return
        name, bio = self.profile()
        if choice < 0.55:
            status, data = self.write("PUT", f"/users/{user_id}", {"name": name, "email": current["email"], "bio": bio}, current["version"])
        else:
            patch = self.random.choice([{"name": name}, {"bio": bio}, {"name": name, "bio": bio}, {"bio": current["bio"]}])
            status, data = self.write("PATCH", f"/users/{user_id}", patch, current["version"])
        if status == 200:
            user = json.loads(data)
            count("updates" if user["version"] > current["version"] else "noops")
            self.record(user, deleted=False)
        else:
            self.fail("PUT/PATCH", status, data)

    def record(self, user, deleted):
        state = {"version": user["version"], "deleted": deleted, "name": user["name"], "email": user["email"], "bio": user["bio"]}
        self.state[user["id"]] = state
        with lock:
            users[user["id"]] = state

    def fail(self, what, status, data):
        if status is None:
            count("failed")
        else:
            count("unexpected")
            with lock:
                errors.append(f"{what}: unexpected {status}: {data[:300]!r}")


threads = [threading.Thread(target=Client(number).run, daemon=True) for number in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join(timeout=max(1, deadline_seconds - (time.monotonic() - started)))
elapsed = time.monotonic() - started
with open(report_path, "w") as report:
    json.dump({"counts": counts, "users": users, "errors": errors[:50], "seconds": elapsed}, report)
print(f"load: {sum(counts[k] for k in ('creates', 'updates', 'noops', 'deletes'))} writes accepted in {elapsed:.1f} s "
      f"({counts['retries']} retries, {counts['failed']} given up, {counts['unexpected']} unexpected answers)")
