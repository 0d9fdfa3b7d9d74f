"""A stand-in CAS server for tests (issue 18): a tiny ``http.server`` on loopback that answers ``/cas/login``
(the user "signs in" as ``standin.user`` and is sent back to the service with a ticket) and
``/cas/p3/serviceValidate`` (CAS 3.0 XML: the user and attributes, or INVALID_TICKET). A ticket works once and
only for the service it was issued to. Single logout: ``logout_requests(user)`` gives the back-channel requests the
server sends when ``user`` signs out at the CAS — ``(service, {"logoutRequest": <SAML>})`` for each ticket it
validated for them, as the CAS protocol (3.0, section 2.3.3) POSTs them to the service; ``/cas/logout`` sends
them over HTTP (for a service on a live server).

    standin = CASStandIn().start(); standin.user = "class_teacher"; standin.attributes = {"employeeNumber": "42"}
    settings.CAS_SERVER_URL = standin.url + "/cas/"
"""

from __future__ import annotations

import http.server
import threading
import urllib.parse
import urllib.request
import uuid
from xml.sax.saxutils import escape


class CASStandIn:
    def __init__(self):
        self.user = ""
        self.attributes: dict[str, str] = {}
        self.tickets: dict[str, tuple[str, str, dict]] = {}  # ticket -> (service, user, attributes)
        self.validations: list[str] = []
        self.validated: list[
            tuple[str, str, str]
        ] = []  # (ticket, service, user) of each ticket that checked out
        self.server: http.server.ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def start(self) -> CASStandIn:
        standin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802
                path, _, query = self.path.partition("?")
                q = {k: v[0] for k, v in urllib.parse.parse_qs(query).items()}
                if path == "/cas/login":
                    ticket = f"ST-{uuid.uuid4().hex}"
                    standin.tickets[ticket] = (q["service"], standin.user, dict(standin.attributes))
                    sep = "&" if "?" in q["service"] else "?"
                    self.send_response(302)
                    self.send_header("Location", f"{q['service']}{sep}ticket={ticket}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                if path.endswith("/serviceValidate"):
                    standin.validations.append(q.get("ticket", ""))
                    found = standin.tickets.pop(q.get("ticket", ""), None)
                    if found is None or found[0] != q.get("service"):
                        body = (
                            '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas">'
                            '<cas:authenticationFailure code="INVALID_TICKET">ticket not recognized'
                            "</cas:authenticationFailure></cas:serviceResponse>"
                        )
                    else:
                        standin.validated.append((q.get("ticket", ""), found[0], found[1]))
                        attrs = "".join(f"<cas:{k}>{escape(v)}</cas:{k}>" for k, v in found[2].items())
                        body = (
                            '<cas:serviceResponse xmlns:cas="http://www.yale.edu/tp/cas"><cas:authenticationSuccess>'
                            f"<cas:user>{escape(found[1])}</cas:user><cas:attributes>{attrs}</cas:attributes>"
                            "</cas:authenticationSuccess></cas:serviceResponse>"
                        )
                    data = body.encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/xml; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return
                if path == "/cas/logout":
                    for service, form in standin.logout_requests(q.get("user", standin.user)):
                        try:
                            data = urllib.parse.urlencode(form).encode()
                            urllib.request.urlopen(urllib.request.Request(service, data=data), timeout=5)
                        except OSError:
                            pass  # a service that does not answer keeps its session, as with a real CAS
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(404)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True, name="cas-standin").start()
        return self

    def logout_requests(self, user: str) -> list[tuple[str, dict[str, str]]]:
        """The back-channel logout requests for ``user``'s validated tickets (then forgotten)."""
        out = []
        for ticket, service, who in [v for v in self.validated if v[2] == user]:
            body = (
                '<samlp:LogoutRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
                f'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="LR-{uuid.uuid4().hex}" Version="2.0" '
                'IssueInstant="2026-12-08T00:00:00Z">'
                f"<saml:NameID>{escape(who)}</saml:NameID><samlp:SessionIndex>{escape(ticket)}</samlp:SessionIndex>"
                "</samlp:LogoutRequest>"
            )
            out.append((service, {"logoutRequest": body}))
        self.validated = [v for v in self.validated if v[2] != user]
        return out

    def stop(self) -> None:
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
            self.server = None
