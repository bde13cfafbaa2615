"""An example Alertmanager webhook receiver: prints one line per alert it is sent.

Alertmanager POSTs one JSON document per notification (webhook payload version 4) to the URL of
a receiver's ``webhook_configs``; the path tells which receiver it was (alertmanager.yml uses
/operators, /duty-officer, /monitor-admins and /crews/DISTRICT). Replace this with a bridge to a
pager, a chat group or the crews' ticket system; it needs only the Python standard library.

    python3 deploy/alertmanager/webhook_receiver.py --listen 127.0.0.1:5001

prints, for example:

    /crews/chengxiang firing warning 城厢街道/huochezhan cam-01 CamhealthCameraOffline: ...
"""

from __future__ import annotations

import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY = 1 << 20  # a notification groups alerts; a megabyte is thousands of them


def describe(receiver_path: str, alert: dict[str, Any]) -> str:
    """One line: receiver, status, severity, district/area, camera, alert, summary | runbook."""
    labels = alert.get("labels", {})
    notes = alert.get("annotations", {})
    where = f"{labels.get('district', '-')}/{labels.get('area', '-')}"
    parts = [receiver_path, alert.get("status", "?"), labels.get("severity", "-"), where]
    if "camera" in labels:
        parts.append(labels["camera"])
    parts.append(f"{labels.get('alertname', '?')}: {notes.get('summary', '')}")
    return " ".join(parts) + f" | {notes.get('runbook', '')}"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        """A health check: the receiver is up."""
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok\n")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            self.send_error(413)
            return
        try:
            document = json.loads(self.rfile.read(length))
        except ValueError:
            self.send_error(400, "not JSON")
            return
        for alert in document.get("alerts", []):
            print(describe(self.path, alert), flush=True)
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the output to the alerts themselves; the access log adds nothing here."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:5001", help="HOST:PORT to listen on")
    host, _, port = parser.parse_args().listen.rpartition(":")
    with ThreadingHTTPServer((host, int(port)), Handler) as server:
        print(f"listening on http://{host}:{port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
