from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from org.models import ImportKind, Node, User
from org.roster.columns import COLUMNS
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


class ColumnsForm(forms.Form):
    """The mapping step (issue 18 build 5): a field for each column of the uploaded file, guessed and shown
    for the uploader to confirm or change. A field is taken by one column at most; every required field
    needs a column; a column left at "not imported" is listed as a warning on the job."""

    save = forms.BooleanField(
        label=_("Remember these columns for the next file"), required=False, initial=True
    )

    def __init__(self, *args, kind: str, proposals: list, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.columns = COLUMNS[kind]
        choices = [("", _("— not imported —"))] + [
            (c.key, f"{c.label}{'*' if c.required else ''}") for c in self.columns
        ]
        self.proposals = proposals
        for p in proposals:
            self.fields[f"col_{p.index}"] = forms.ChoiceField(
                label=p.header or _("(column without a header)"),
                choices=choices,
                required=False,
                initial=p.key,
            )

    def column_fields(self) -> list:
        return [self[f"col_{p.index}"] for p in self.proposals]

    def clean(self):
        data = super().clean()
        chosen: dict[str, list[str]] = {}
        for p in self.proposals:
            key = data.get(f"col_{p.index}") or ""
            if key:
                chosen.setdefault(key, []).append(p.header or "?")
        labels = {c.key: c.label for c in self.columns}
        for key, headers in chosen.items():
            if len(headers) > 1:
                raise forms.ValidationError(
                    _(
                        "“%(field)s” is chosen for several columns (%(columns)s); choose it for one column only."
                    )
                    % {"field": labels[key], "columns": "、".join(headers)}
                )
        missing = [c.label for c in self.columns if c.required and c.key not in chosen]
        if missing:
            raise forms.ValidationError(
                _("Choose a column for each required field: %(fields)s.") % {"fields": "、".join(missing)}
            )
        data["columns"] = [data.get(f"col_{p.index}") or "" for p in self.proposals]
        return data
