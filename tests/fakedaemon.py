"""A stand-in for the daemon that records everything a client sends it (run as a script by
tests/daemontest.py): it answers a ping with the identity it is given (a real server's, to lure
a client), a scan request with ``ok`` and a pid of its choosing (then exit code 0 at once when
that pid is 0), and an interrupt with exit code 130.

    fakedaemon.py DIR NAME RECORD IDENTITY_JSON VICTIM_PID [UID]

It listens on DIR/NAME (mode 0600); with UID it becomes that user before it listens, so that the
kernel reports that user as the peer. Each event is one JSON line in RECORD, opened before that.
"""

from __future__ import annotations

import json
import os
import socket
import sys

from gitops_guard.daemon import _recv, _send


def main() -> None:
    folder, name, record, identity, victim = sys.argv[1:6]
    uid = int(sys.argv[6]) if len(sys.argv) > 6 else None
    out = open(record, "a", buffering=1)  # noqa: SIM115 (kept open across the uid change)
    os.chdir(folder)  # a short relative address, whatever the length of DIR
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(name)
    os.chmod(name, 0o600)
    if uid is not None:
        os.setresgid(uid, uid, uid)
        os.setresuid(uid, uid, uid)
    listener.listen(8)
    out.write(json.dumps({"event": "ready"}) + "\n")
    while True:
        conn, _ = listener.accept()
        out.write(json.dumps({"event": "connect"}) + "\n")
        with conn:
            while True:
                try:
                    msg, fds = _recv(conn, 3)
                except (OSError, ValueError, ConnectionError):
                    out.write(json.dumps({"event": "closed"}) + "\n")
                    break
                for fd in fds:
                    os.close(fd)
                out.write(json.dumps({"event": "message", "payload": msg, "fds": len(fds)}) + "\n")
                if msg.get("ping"):
                    _send(conn, json.loads(identity))
                elif "argv" in msg:
                    _send(conn, {"status": "ok", "pid": int(victim)})
                    if victim == "0":  # done at once; else the run "goes on" until interrupted
                        _send(conn, {"code": 0})
                elif msg.get("interrupt"):
                    _send(conn, {"code": 130})


if __name__ == "__main__":
    main()
