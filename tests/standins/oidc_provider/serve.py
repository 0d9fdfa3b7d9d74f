"""``python -m tests.standins.oidc_provider.serve PORT``: migrate a fresh SQLite file, register the client and the
users given in ``STANDIN_OIDC_SETUP`` (JSON), then serve on 127.0.0.1:PORT until terminated."""

from __future__ import annotations

import json
import os
import sys
from socketserver import ThreadingMixIn
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server


class _Threading(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


def main() -> None:
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.core.wsgi import get_wsgi_application
    from oauth2_provider.models import get_application_model

    call_command("migrate", verbosity=0)
    setup = json.loads(os.environ["STANDIN_OIDC_SETUP"])
    for username, password in setup["users"].items():
        User.objects.create_user(username=username, password=password, first_name=username)
    Application = get_application_model()
    Application.objects.create(
        name="Xinyu",
        client_id=setup["client_id"],
        client_secret=setup["client_secret"],
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=" ".join(setup["redirect_uris"]),
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )
    server = make_server("127.0.0.1", int(sys.argv[1]), get_wsgi_application(), _Threading, _Quiet)
    server.serve_forever()


if __name__ == "__main__":
    main()
