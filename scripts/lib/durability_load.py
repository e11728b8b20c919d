#!/usr/bin/env python3
"""Insert load for scripts/lib/durability-check.sh.

  durability_load.py PSQL PORT CLIENTS SECONDS ACKED_FILE

Each client is one psql process (autocommit, ON_ERROR_STOP) inserting rows
(client, n) into durability_probe, n = 1, 2, 3, ... After each INSERT it asks
psql to echo n: psql runs the echo only once the INSERT's COMMIT has been
acknowledged by the server, so every n read back is an acknowledged commit.
A client stops when its connection is lost (the crash) or after SECONDS.
Writes every acknowledged "client n" to ACKED_FILE, one a line.
"""
import subprocess
import sys
import threading
import time

psql, port, clients, seconds, acked_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]
deadline = time.monotonic() + seconds
acked = [[] for _ in range(clients)]
endings = [""] * clients


def client(number):
    process = subprocess.Popen(
        [psql, "-X", "-q", "-tA", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", port, "-U", "postgres", "-d", "postgres"],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, bufsize=1,
    )
    n = 0
    try:
        while time.monotonic() < deadline:
            n += 1
            process.stdin.write(f"INSERT INTO durability_probe (client, n) VALUES ({number}, {n});\n\\echo {n}\n")
            process.stdin.flush()
            line = process.stdout.readline()
            if line.strip() != str(n):
                endings[number] = "connection lost"
                break
            acked[number].append(n)
        else:
            endings[number] = "deadline"
    except (BrokenPipeError, OSError):
        endings[number] = "connection lost"
    finally:
        try:
            process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


threads = [threading.Thread(target=client, args=(number,)) for number in range(clients)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with open(acked_path, "w") as out:
    for number, ns in enumerate(acked):
        out.writelines(f"{number} {n}\n" for n in ns)
lost_connections = sum(1 for ending in endings if ending == "connection lost")
print(f"load: {sum(map(len, acked))} inserts acknowledged by {clients} clients; {lost_connections} lost their connection")
