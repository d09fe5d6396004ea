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
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


ThreadingHTTPServer(("127.0.0.1", PORT), Handler).serve_forever()
