"""Settings of the stand-in OpenID Connect provider (django-oauth-toolkit), a second Django process in tests."""

import os

SECRET_KEY = "standin-oidc-provider-only"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "oauth2_provider",
]
MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]
ROOT_URLCONF = "tests.standins.oidc_provider.urls"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(os.path.dirname(__file__), "templates")],
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["STANDIN_OIDC_DB"]}}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # a test provider: speed over strength
LOGIN_URL = "/accounts/login/"
USE_TZ = True
SESSION_COOKIE_NAME = "standin_idp_session"  # both sites are on 127.0.0.1: cookies are shared across ports
CSRF_COOKIE_NAME = "standin_idp_csrftoken"
OAUTH2_PROVIDER = {
    "OIDC_ENABLED": True,
    "OIDC_RSA_PRIVATE_KEY": os.environ["STANDIN_OIDC_KEY"],
    "SCOPES": {"openid": "OpenID Connect", "profile": "Profile"},
    "PKCE_REQUIRED": True,
    # The browser tests move the client's clock days ahead (tests/browser/conftest.py): a long-lived ID token.
    "ID_TOKEN_EXPIRE_SECONDS": 30 * 86400,
    "OAUTH2_VALIDATOR_CLASS": "tests.standins.oidc_provider.validator.Validator",
}
