from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from org.models import ImportKind, Node, User
from xinyu.web.roster.selectors import import_nodes


class ImportForm(forms.Form):
    file = forms.FileField(label=_("Roster file (CSV or .xlsx)"))
    kind = forms.ChoiceField(
        label=_("What the file holds"), choices=ImportKind.choices, initial=ImportKind.STUDENTS
    )
    node = forms.ModelChoiceField(label=_("Import into"), queryset=Node.objects.none(), empty_label=None)
    dry_run = forms.BooleanField(label=_("Check only, write nothing"), required=False)
    skip_invalid = forms.BooleanField(
        label=_("Import the valid rows and skip the invalid ones"), required=False
    )

    def __init__(self, *args, user: User, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = import_nodes(user)
        self.fields["file"].widget.attrs["accept"] = ".csv,.xlsx,.txt"

    def clean_file(self):
        f = self.cleaned_data["file"]
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        if f.size > limit:
            raise forms.ValidationError(
                _("The file is larger than %(limit)s; split it or import it with the command.")
                % {"limit": filesizeformat(limit)}
            )
        if f.size == 0:
            raise forms.ValidationError(_("The file is empty."))
        return f
