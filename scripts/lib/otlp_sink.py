#!/usr/bin/env python3
"""A collector stand-in for the benchmarks: accepts OTLP/HTTP exports (POST /v1/traces, any
encoding), answers 200 at once and keeps only counts, so that tracing's cost is the services'
own (recording, batching, encoding, sending), not a collector's.

    otlp_sink.py PORT COUNTS_FILE

COUNTS_FILE is rewritten after every export with "requests=N bytes=M".
"""
import http.server
import sys
import threading

port, counts_file = int(sys.argv[1]), sys.argv[2]
lock = threading.Lock()
totals = {"requests": 0, "bytes": 0}


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the exporters expect

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        with lock:
            totals["requests"] += 1
            totals["bytes"] += length
            with open(counts_file, "w") as out:
                out.write(f"requests={totals['requests']} bytes={totals['bytes']}\n")
        self.send_response(200)
        self.send_header("Content-Type", self.headers.get("Content-Type") or "application/x-protobuf")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
