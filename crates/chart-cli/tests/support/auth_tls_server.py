"""A static file server for the repository tests: optional basic auth and TLS.

usage: auth_tls_server.py DIR PORT [--user U --password P] [--cert CERT --key KEY]
Prints "ready" on stdout once listening.
"""
import argparse
import base64
import functools
import http.server
import ssl
import sys

ap = argparse.ArgumentParser()
ap.add_argument("dir")
ap.add_argument("port", type=int)
ap.add_argument("--user")
ap.add_argument("--password")
ap.add_argument("--cert")
ap.add_argument("--key")
ap.add_argument("--stall", action="store_true", help="send headers and half a body, then hang")
ap.add_argument("--stall-suffix", help="stall only requests whose path ends with this")
a = ap.parse_args()


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
        super().do_GET()


srv = http.server.ThreadingHTTPServer(("127.0.0.1", a.port), functools.partial(Handler, directory=a.dir))
if a.cert:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(a.cert, a.key)
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
print("ready", flush=True)
srv.serve_forever()
