"""Background work of the schoolwork app (Celery; autodiscovered as ``schoolwork.tasks``). The tasks live in the
sub-domains; importing them here lets Celery's autodiscovery register them (task names are explicit)."""

from schoolwork.programs.tasks import remind_key_times  # noqa: F401
