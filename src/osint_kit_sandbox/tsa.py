"""A local RFC 3161 time-stamping authority on 127.0.0.1: ``openssl ts -reply`` behind HTTP.

For the tests and the demo; a department configures its own TSA instead.

Its own test CA; the TSA certificate carries the *critical* extendedKeyUsage
timeStamping that ``openssl ts -verify`` insists on. ``make_tsa`` also makes a
second, rogue TSA (another CA) for the tests that must reject it.
"""

from __future__ import annotations

import http.server
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

_CONFIG = """
[ tsa ]
default_tsa = tsa_config1

[ tsa_config1 ]
dir = {folder}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/ca.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5.6
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


@dataclass(frozen=True)
class LocalTSA:
    folder: Path
    ca_pem: Path
    url: str = ""

    __test__ = False


def make_tsa_files(folder: Path, name: str) -> LocalTSA:
    folder.mkdir(parents=True, exist_ok=True)

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=folder, check=True, capture_output=True)

    run(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.pem",
        "-days", "30", "-subj", f"/CN={name} CA",
        "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    )  # fmt: skip
    run(
        "req", "-newkey", "rsa:2048", "-nodes", "-keyout", "tsa.key", "-out", "tsa.csr",
        "-subj", f"/CN={name} TSA",
    )  # fmt: skip
    (folder / "ext.cnf").write_text(
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=critical,timeStamping\n"
    )
    run(
        "x509", "-req", "-in", "tsa.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
        "-CAcreateserial", "-out", "tsa.pem", "-days", "30", "-extfile", "ext.cnf",
    )  # fmt: skip
    (folder / "serial").write_text("01\n")
    (folder / "tsa.cnf").write_text(_CONFIG.format(folder=folder))
    return LocalTSA(folder, folder / "ca.pem")


@contextmanager
def serve_tsa(tsa: LocalTSA) -> Iterator[LocalTSA]:
    """Answer POSTed TimeStampReqs with ``openssl ts -reply`` until the block ends."""
    lock = threading.Lock()

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            query = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            with lock, tempfile.TemporaryDirectory() as tmp:
                q, r = Path(tmp) / "q.tsq", Path(tmp) / "r.tsr"
                q.write_bytes(query)
                done = subprocess.run(
                    ["openssl", "ts", "-reply", "-config", str(tsa.folder / "tsa.cnf"),
                     "-queryfile", str(q), "-out", str(r)],
                    capture_output=True,
                )  # fmt: skip
                body = r.read_bytes() if done.returncode == 0 and r.exists() else b""
            if not body:
                self.send_error(400)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LocalTSA(tsa.folder, tsa.ca_pem, f"http://127.0.0.1:{server.server_address[1]}/")
    finally:
        server.shutdown()
        server.server_close()
