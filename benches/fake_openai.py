#!/usr/bin/env python3
"""A minimal OpenAI-compatible chat-completions server for load tests: streams a
fixed cited answer immediately, so what a client waits for is the service's own
overhead. Usage: fake_openai.py PORT [TOKENS]"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(sys.argv[1]) if len(sys.argv) > 1 else 8185
TOKENS = int(sys.argv[2]) if len(sys.argv) > 2 else 40


def chunk(text):
    body = {"id": "bench", "object": "chat.completion.chunk", "created": 1, "model": "bench",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]}
    return ("data: " + json.dumps(body) + "\n\n").encode()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        payload = b"".join(chunk("word ") for _ in range(TOKENS - 1)) + chunk("[1].") + b"data: [DONE]\n\n"
        # One write for head and body: separate small writes meet delayed ACKs
        # and would add ~40 ms that are this script's, not the service's.
        head = ("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                "Content-Length: %d\r\n\r\n" % len(payload)).encode()
        self.wfile.write(head + payload)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
