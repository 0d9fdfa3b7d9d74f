"""Forms of organisation administration: they read and type what was typed; the rules are in services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from org.models import ROLE_NODE_KINDS, Node, NodeKind, Role, SchoolStage, SchoolYear
from xinyu.web.orgadmin.services import APPOINTABLE

DATE = forms.DateInput(attrs={"type": "date"})


def child_kinds(parent: Node) -> list[tuple[str, str]]:
    from org.models import ALLOWED_PARENTS

    return [(k, label) for k, label in NodeKind.choices if parent.kind in ALLOWED_PARENTS[k]]


class NewAccountFields(forms.Form):
    username = forms.CharField(label=_("username"), max_length=150, required=False)
    display_name = forms.CharField(label=_("person's name"), max_length=50, required=False)
    phone = forms.CharField(label=_("mobile phone"), max_length=20, required=False)
    password = forms.CharField(
        label=_("first password"),
        required=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 12 characters. Hand it over in person; it is not shown again."),
    )


class ChildForm(NewAccountFields):
    """A unit under a parent; a district with its administrator's account (both or neither)."""

    prefix = "child"

    field_order = ["kind", "name", "code", "stage", "is_multi_site"]
    kind = forms.ChoiceField(label=_("kind"))
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.CharField(
        label=_("code"),
        max_length=32,
        required=False,
        help_text=_(
            "A school: its school identification code (学校标识码, ten digits). A district: its administrative "
            "division code (six digits). A campus or group: left empty, it is numbered."
        ),
    )
    stage = forms.ChoiceField(
        label=_("school stage"), choices=[("", "—"), *SchoolStage.choices], required=False
    )
    is_multi_site = forms.BooleanField(label=_("multi-site school"), required=False)

    def __init__(self, *args, parent: Node, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = child_kinds(parent)
        if parent.kind != NodeKind.CITY:  # only a new district gets an administrator in the same step
            for name in ("username", "display_name", "phone", "password"):
                del self.fields[name]


class EditForm(forms.Form):
    prefix = "edit"
    name = forms.CharField(label=_("name"), max_length=100)
    code = forms.CharField(label=_("code"), max_length=32)
    stage = forms.ChoiceField(
        label=_("school stage"), choices=[("", "—"), *SchoolStage.choices], required=False
    )
    is_multi_site = forms.BooleanField(label=_("multi-site school"), required=False)

    def __init__(self, *args, node: Node, **kwargs):
        kwargs.setdefault(
            "initial",
            {"name": node.name, "code": node.code, "stage": node.stage, "is_multi_site": node.is_multi_site},
        )
        super().__init__(*args, **kwargs)
        if node.kind != NodeKind.SCHOOL:
            del self.fields["stage"], self.fields["is_multi_site"]


class ClassForm(forms.Form):
    prefix = "cls"
    campus = forms.ModelChoiceField(label=_("campus"), queryset=Node.objects.none())
    school_year = forms.ModelChoiceField(label=_("school year"), queryset=SchoolYear.objects.all())
    grade = forms.IntegerField(label=_("grade"), min_value=1, max_value=12)
    number = forms.IntegerField(label=_("class number"), min_value=1, max_value=99)
    name = forms.CharField(
        label=_("class name"), max_length=40, required=False, help_text=_("Empty: 五年级1班, 初一2班 …")
    )
    class_teacher = forms.CharField(label=_("class teacher (username)"), max_length=150, required=False)

    def __init__(self, *args, school: Node, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = school.children.filter(kind=NodeKind.CAMPUS, closed_on__isnull=True)
        from org.models import SchoolYear as Year

        current = Year.current()
        if current is not None:
            self.fields["school_year"].initial = current.pk


class PostForm(NewAccountFields):
    """任职: a post at a unit, for an existing account (by username) or a new one."""

    prefix = "post"

    field_order = ["role", "school_class", "existing", "valid_from", "valid_to", "title", "full_time"]
    role = forms.ChoiceField(label=_("post"))
    # A number, not a model choice: a class of another school is refused by the service with a sentence that
    # says so, not with "select a valid choice".
    school_class = forms.IntegerField(label=_("class (class teacher only)"), required=False)
    existing = forms.CharField(
        label=_("existing account (username)"),
        max_length=150,
        required=False,
        help_text=_("Or leave empty and fill in a new account below."),
    )
    valid_from = forms.DateField(label=_("start date of the post"), required=False, widget=DATE)
    valid_to = forms.DateField(label=_("end date of the post"), required=False, widget=DATE)
    title = forms.CharField(label=_("job title"), max_length=60, required=False)
    full_time = forms.BooleanField(label=_("full-time"), required=False)

    def __init__(self, *args, node: Node, classes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            (r, Role(r).label) for r in APPOINTABLE if node.kind in ROLE_NODE_KINDS[r]
        ]
        if node.kind == NodeKind.SCHOOL and classes is not None:
            choices = [("", "—")] + [(c.pk, f"{c.name}（{c.school_year}）") for c in classes]
            self.fields["school_class"].widget = forms.Select(choices=choices)
        else:
            del self.fields["school_class"]


class EndPostForm(forms.Form):
    prefix = "end"
    on = forms.DateField(label=_("end date of the post"), required=False, widget=DATE)


class CloseForm(forms.Form):
    prefix = "close"
    on = forms.DateField(label=_("closed on"), required=False, widget=DATE)


class EditClassForm(forms.Form):
    prefix = "editcls"
    name = forms.CharField(label=_("class name"), max_length=40)
    campus = forms.ModelChoiceField(label=_("campus"), queryset=Node.objects.none())

    def __init__(self, *args, school_class, **kwargs):
        kwargs.setdefault("initial", {"name": school_class.name, "campus": school_class.campus_id})
        super().__init__(*args, **kwargs)
        self.fields["campus"].queryset = Node.objects.filter(
            parent=school_class.school_id, kind=NodeKind.CAMPUS
        )
