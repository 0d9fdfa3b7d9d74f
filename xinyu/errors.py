"""What an error report may show (issue 19 finding 9: with DEBUG on, the error page showed the typed password).

Django's SafeExceptionReporterFilter hides only the POST fields a view marks with ``sensitive_post_parameters``
and is switched off entirely while DEBUG is on. Xinyu's pages take passwords, codes, children's names and
clinical text in many forms, and views hold them in local variables, so the report hides every POST value and
every local variable's value, always — DEBUG or not. The names and the types stay, with the code and the line,
which is what a developer needs."""

from __future__ import annotations

from django.views.debug import SafeExceptionReporterFilter


class NoPostDataFilter(SafeExceptionReporterFilter):
    def is_active(self, request) -> bool:
        return True

    def get_post_parameters(self, request):
        if request is None:
            return {}
        cleansed = request.POST.copy()
        for name in cleansed:
            cleansed[name] = self.cleansed_substitute
        return cleansed

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, f"{self.cleansed_substitute} ({type(value).__name__})")
            for name, value in tb_frame.f_locals.items()
        ]
