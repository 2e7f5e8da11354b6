"""Forms of the case pages.

The filing form is drawn from the case type's current form definition (data officials edit),
so it is not a Django Form: `filing_fields` turns the definition, what was posted and the
service's errors into what the template needs to render each input accessibly. Validation
stays in `services/formdef.py`; the service's errors are only placed next to their inputs.
"""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from podkowa.accounts.models import Department, Role
from podkowa.cases.models import Status
from podkowa.cases.services.formdef import ATTACHMENTS, MAX_ATTACHMENT_MB
from podkowa.cases.services.messages import MESSAGE_FILES
from podkowa.core.models import Gmina

# Empty people rows a page offers when nothing was posted yet (the "add a person" button only
# reveals them one by one when scripts run).
PEOPLE_ROWS = 3
ACCEPT = {"image": "image/jpeg,image/png,image/webp,image/gif", "pdf": "application/pdf,.pdf"}
KIND_NAMES = {"image": _("an image (JPEG, PNG, WebP, GIF)"), "pdf": _("a PDF document")}


@dataclass
class FormField:
    """One field of a filing form as the template renders it."""

    key: str
    type: str
    label: str
    required: bool
    hint: str = ""
    errors: list[str] = field(default_factory=list)
    value: Any = ""
    spec: dict = field(default_factory=dict)

    @property
    def input_id(self) -> str:
        return f"f-{self.key}"

    @property
    def hint_id(self) -> str:
        return f"f-{self.key}-hint"

    @property
    def error_id(self) -> str:
        return f"f-{self.key}-error"

    @property
    def described_by(self) -> str:
        ids = [self.hint_id] if self.hint else []
        if self.errors:
            ids.append(self.error_id)
        return " ".join(ids)

    @property
    def accept(self) -> str:
        return ",".join(ACCEPT[k] for k in self.spec.get("kinds", []) if k in ACCEPT)

    @property
    def multiple(self) -> bool:
        return self.spec.get("max_count", 1) > 1

    @property
    def choices(self) -> list[str]:
        return self.spec.get("choices", [])


def _hint(spec: dict) -> str:
    parts = [spec["hint"]] if isinstance(spec.get("hint"), str) and spec["hint"] else []
    kind = spec["type"]
    if kind == "postal_code":
        parts.append(str(_("For example 05-807.")))
    elif kind == "pesel":
        parts.append(str(_("11 digits.")))
    elif kind == "date":
        parts.append(str(_("As YYYY-MM-DD if your browser offers no calendar.")))
    elif kind == "integer" and ("min" in spec or "max" in spec):
        parts.append(str(_("A whole number from %(min)s to %(max)s.")
                         % {"min": spec.get("min", "…"), "max": spec.get("max", "…")}))
    elif kind == "people":
        parts.append(str(_("Up to %(n)s people; leave unused rows empty.")
                         % {"n": spec.get("max_rows", 20)}))
    elif kind == ATTACHMENTS:
        kinds = " " + str(_("or")) + " "
        parts.append(str(_("%(kinds)s, up to %(size)s MB each, at most %(count)s file(s).") % {
            "kinds": kinds.join(str(KIND_NAMES[k]) for k in spec.get("kinds", [])
                                if k in KIND_NAMES),
            "size": spec.get("max_size_mb", MAX_ATTACHMENT_MB),
            "count": spec.get("max_count", 1),
        }))
    return " ".join(parts)


def _posted_value(spec: dict, answers: dict) -> Any:
    kind, key = spec["type"], spec["key"]
    value = answers.get(key)
    if kind == "address":
        return value if isinstance(value, dict) else {"street": "", "postal_code": "", "city": ""}
    if kind == "people":
        rows = [r for r in value if isinstance(r, dict)] if isinstance(value, list) else []
        limit = spec.get("max_rows", 20)
        wanted = min(max(PEOPLE_ROWS, len(rows) + 1), limit)
        rows = rows[:limit] + [{"name": "", "birth_date": ""}] * max(wanted - len(rows), 0)
        return [{"index": n, "number": n + 1, **row} for n, row in enumerate(rows)]
    if kind == "checkbox":
        return bool(value)
    return "" if value is None else value


def filing_fields(definition: list[dict], answers: dict | None = None,
                  errors: dict | None = None) -> list[FormField]:
    """The form's fields with the posted answers and the errors keyed by field key."""
    answers, errors = answers or {}, errors or {}
    return [
        FormField(
            key=spec["key"], type=spec["type"], label=spec["label"],
            required=bool(spec.get("required")), hint=_hint(spec),
            errors=[str(m) for m in errors.get(spec["key"], [])],
            value=_posted_value(spec, answers), spec=spec,
        )
        for spec in definition
    ]


def case_clerks(gmina: Gmina) -> QuerySet:
    """People who may be given a case: active officials of the town handling cases."""
    return (get_user_model().objects.filter(
        official_posts__gmina=gmina, official_posts__is_active=True, is_active=True,
    ).filter(
        Q(official_posts__roles__role=Role.CASE_CLERK) | Q(official_posts__roles__role=Role.ADMIN)
    ).distinct().order_by("last_name", "first_name", "email"))


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.email


class QueueFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=200,
                        help_text=_("Case number, type, answers or the applicant's name."))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(),
                                        required=False, empty_label=_("All departments"))
    status = forms.ChoiceField(label=_("Status"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    order = forms.ChoiceField(label=_("Sort by"), required=False, choices=[
        ("due_date", _("due date, soonest first")),
        ("-due_date", _("due date, latest first")),
        ("-filed_at", _("filed, newest first")),
        ("filed_at", _("filed, oldest first")),
        ("number", _("case number")),
    ])

    def __init__(self, *args, gmina: Gmina, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = Department.objects.filter(gmina=gmina)
        self.fields["status"].choices = [("", _("Open cases")), ("all", _("All statuses")),
                                         *Status.choices]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MessageForm(forms.Form):
    """The files are read from request.FILES by the view and checked by the service."""

    body = forms.CharField(label=_("Message"), required=False, widget=forms.Textarea(
        attrs={"rows": 5}), max_length=10000)
    files = forms.FileField(
        label=_("Attachments"), required=False,
        help_text=_("Images or PDF documents, up to %(size)s MB each, at most %(count)s files.")
        % {"size": MESSAGE_FILES["max_size_mb"], "count": MESSAGE_FILES["max_count"]},
        widget=MultipleFileInput(attrs={"accept": ",".join(ACCEPT.values())}),
    )


class OfficeMessageForm(MessageForm):
    internal = forms.BooleanField(
        label=_("Internal note (the applicant never sees it)"), required=False)


class AssignForm(forms.Form):
    assignee = UserChoiceField(label=_("Colleague"), queryset=get_user_model().objects.none(),
                               required=False, empty_label=_("Nobody (back to the queue)"))

    def __init__(self, *args, gmina: Gmina, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = case_clerks(gmina)


class StatusForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the status change"), required=False, max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("When you ask for information, say what is missing: the applicant is "
                    "told."),
    )


class ExtendDeadlineForm(forms.Form):
    new_due_date = forms.DateField(label=_("New due date"),
                                   widget=forms.DateInput(attrs={"type": "date"}),
                                   help_text=_("As YYYY-MM-DD if your browser offers no "
                                               "calendar."))
    reason = forms.CharField(label=_("Reason for the delay"), max_length=5000,
                             widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The applicant receives it (KPA art. 36)."))


class LetterForm(forms.Form):
    """A letter to the office; the service validates again and builds the document."""

    channel = forms.ChoiceField(label=_("Send through"), widget=forms.RadioSelect)
    title = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Text of the letter"), max_length=20000,
                           widget=forms.Textarea(attrs={"rows": 10}))
    files = forms.FileField(
        label=_("Attachments"), required=False,
        help_text=_("Images or PDF documents, at most 20 files and 5 MB together."),
        widget=MultipleFileInput(attrs={"accept": ",".join(ACCEPT.values())}),
    )

    def __init__(self, *args, channels: list[str], **kwargs):
        from podkowa.cases.models import LetterChannel

        super().__init__(*args, **kwargs)
        self.fields["channel"].choices = [(c, LetterChannel(c).label) for c in channels]
        if channels:
            self.fields["channel"].initial = channels[0]
