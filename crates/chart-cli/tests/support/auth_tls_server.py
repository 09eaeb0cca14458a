"""A static file server for the repository tests: optional basic auth and TLS.

usage: auth_tls_server.py DIR PORT [--user U --password P] [--cert CERT --key KEY]
                          [--charts-on-the-fly]
Prints "ready" on stdout once listening. With --charts-on-the-fly, a requested
NAME-VERSION.tgz that is not in DIR is served as a minimal chart of that name and version
(the same bytes every time).
"""
import argparse
import base64
import functools
import gzip
import http.server
import io
import os
import re
import ssl
import sys
import tarfile

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("port", type=int)
ap.add_argument("--user")
ap.add_argument("--password")
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--stall", action="store_true", help="send headers and half a body, then hang")
ap.add_argument("--stall-suffix", help="stall only requests whose path ends with this")
ap.add_argument("--charts-on-the-fly", action="store_true")
a = ap.parse_args()


def chart_tgz(name, version):
    """A minimal chart archive, the same bytes for the same name and version."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as gz:
        with tarfile.open(fileobj=gz, mode="w", format=tarfile.USTAR_FORMAT) as t:
            files = ((f"{name}/Chart.yaml", f"apiVersion: v2\nname: {name}\nversion: {version}\n"),
                     (f"{name}/values.yaml", "a: 1\n"))
            for fn, text in files:
                data = text.encode()
                ti = tarfile.TarInfo(fn)
                ti.size, ti.mtime, ti.mode = len(data), 0, 0o644
                t.addfile(ti, io.BytesIO(data))
    return buf.getvalue()


class Handler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        if a.user is not None:
            want = "Basic " + base64.b64encode(f"{a.user}:{a.password}".encode()).decode()
            if self.headers.get("Authorization") != want:
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="charts"')
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        if a.stall or (a.stall_suffix and self.path.endswith(a.stall_suffix)):
            import time
            if a.stall_suffix:
                print("stalling " + self.path, flush=True)
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            self.wfile.write(b"apiVersion: v1\nentries:\n")
            self.wfile.flush()
            time.sleep(3600)
            return
        m = re.fullmatch(r"/(.+)-(\d+\.\d+\.\d+[^/]*)\.tgz", self.path)
        if a.charts_on_the_fly and m and not os.path.exists(os.path.join(a.dir, self.path[1:])):
            body = chart_tgz(m.group(1), m.group(2))
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return
        super().do_GET()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), functools.partial(Handler, directory=a.dir))
if a.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
