"""Fault reports: a resident's "this lamp is out", filed as a case through the cases app
(the back office handles it like any case) with the object attached; when the office marks it
fixed, the case is settled and the reporter is told through notify()."""

from django.conf import settings
from django.contrib.gis.geos import Point
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from podkowa.accounts.models import Channel
from podkowa.cases.models import CaseType, Deadline, FormVersion, Status
from podkowa.cases.services.catalogue import form_version_publish
from podkowa.cases.services.filing import case_file
from podkowa.cases.services.lifecycle import Actor, apply_transition, lock_case
from podkowa.core.models import Gmina
from podkowa.notifications.services import notify
from podkowa.registers.models import FaultReport, ObjectStatus, Register, RegisterObject
from podkowa.registers.rules import may_edit_register_objects
from podkowa.registers.services.attributes import register_attributes

FAULT_CASE_TYPE = "zgloszenie-usterki"
DESCRIPTION_MAX = 2000


def _form() -> list[dict]:
    return [
        {"key": "object", "type": "text", "label": _("Object"), "max_length": 300},
        {"key": "location", "type": "text", "label": _("Place (latitude, longitude)"),
         "max_length": 100},
        {"key": "address", "type": "text", "label": _("Address or landmark"),
         "max_length": 300},
        {"key": "description", "type": "textarea", "label": _("What is wrong"),
         "required": True, "max_length": DESCRIPTION_MAX},
    ]


def fault_case_type_ensure(*, gmina: Gmina) -> CaseType:
    """The case type fault reports are filed as; made with its form on first use (the office
    may then rename it, move it to a department or change its deadline)."""
    found = CaseType.objects.filter(gmina=gmina, slug=FAULT_CASE_TYPE).first()
    if found is not None:
        return found
    from podkowa.accounts.models import Department

    with translation.override("pl"):
        case_type = CaseType.objects.create(
            gmina=gmina, slug=FAULT_CASE_TYPE, name=_("Fault report"), number_prefix="US",
            description=_("A fault of the town's equipment reported on the map: a lamp, a "
                          "bench, a bin, a playground device, a tree."),
            deadline=Deadline.DAYS_14, app_allowed=True, notify_statuses=[],
            department=Department.objects.filter(
                gmina=gmina, name__icontains="Gospodarki Komunalnej").first(),
        )
        form_version_publish(gmina=gmina, case_type_id=case_type.pk, definition=_form())
    return case_type


def object_title(obj: RegisterObject) -> str:
    """The object's first value, e.g. the lamp's pole number."""
    attributes = [a for a in register_attributes(obj.register) if not a.personal]
    first = obj.attributes.get(attributes[0].key) if attributes else None
    return "" if first in (None, "") else str(first)


def object_label(obj: RegisterObject) -> str:
    """How the office recognises the object: the register, its first value, its number."""
    first = object_title(obj)
    name = f"{obj.register.name} {first}" if first else obj.register.name
    return _("%(name)s (object no. %(id)d)") % {"name": name, "id": obj.pk}


@transaction.atomic
def fault_report_file(*, gmina: Gmina, reporter, description: str,
                      register: Register | None = None, object_id: int | None = None,
                      location: Point | None = None, address: str = "",
                      channel: str = Channel.WEB) -> FaultReport:
    """File the report as a case. With an object, its place is the object's; without one a
    place (or an address) is needed. Errors name the field; nothing is written on error."""
    errors: dict[str, str] = {}
    description = (description or "").strip()
    if not description:
        errors["description"] = _("Describe what is wrong.")
    elif len(description) > DESCRIPTION_MAX:
        errors["description"] = _("At most %(max)d characters.") % {"max": DESCRIPTION_MAX}
    obj = None
    if object_id is not None:
        queryset = RegisterObject.objects.filter(gmina=gmina, pk=object_id).exclude(
            status=ObjectStatus.REMOVED).select_related("register")
        if register is not None:
            queryset = queryset.filter(register=register)
        obj = queryset.first()
        if obj is None or not obj.register.is_public:
            errors["object_id"] = _("No such object on the map.")
        else:
            register = obj.register
            location = obj.geometry.point_on_surface if obj.geometry.geom_type != "Point" \
                else obj.geometry
    if register is not None and not register.is_public:
        errors["service_code"] = _("Faults can be reported only in public registers.")
    if location is None and not errors.get("object_id"):
        errors["location"] = _("Give the place of the fault or the object.")
    if errors:
        raise ValidationError(errors)
    case_type = fault_case_type_ensure(gmina=gmina)
    version = (FormVersion.objects.filter(gmina=gmina, case_type=case_type)
               .order_by("-number").first())
    keys = {field["key"] for field in version.definition} if version else set()
    # The case is read in the office: its answers are in the office's language.
    with translation.override(settings.LANGUAGE_CODE):
        what = object_label(obj) if obj else (register.name if register else "")
    answers = {
        "object": what,
        "location": f"{location.y:.6f}, {location.x:.6f}",
        "address": (address or "").strip()[:300],
        "description": description,
    }
    case = case_file(gmina=gmina, applicant=reporter, case_type_id=case_type.pk,
                     data={k: v for k, v in answers.items() if k in keys and v},
                     channel=channel)
    return FaultReport.objects.create(
        gmina=gmina, case=case, register=register, object=obj, reporter=reporter,
        location=location, description=description, address=(address or "").strip()[:300])


# The way from any open status to settled, as the office would click it.
_TO_SETTLED = {
    Status.REGISTERED: [Status.IN_PROGRESS, Status.DECIDED, Status.CLOSED],
    Status.IN_PROGRESS: [Status.DECIDED, Status.CLOSED],
    Status.DECIDED: [Status.CLOSED],
}


@transaction.atomic
def fault_report_mark_fixed(*, gmina: Gmina, report_id: int, actor, note: str = ""
                            ) -> FaultReport:
    """The fault is fixed: the case is closed and the reporter told (once)."""
    report = (FaultReport.objects.select_for_update(of=("self",))
              .select_related("case", "object__register")
              .filter(gmina=gmina, pk=report_id).first())
    if report is None:
        raise ValidationError({"report": _("No such fault report.")})
    # The register's editors (who look after the lamps) settle it as well as the case
    # clerks; nobody settles their own report (KPA art. 24).
    allowed = (may_edit_register_objects(actor, report.object.register) if report.object
               else False) or actor.has_perm("cases.handle_case", report.case)
    if not allowed or report.reporter_id == actor.pk:
        raise PermissionDenied(_("You may not settle this report."))
    if report.fixed_at is not None:
        return report
    note = (note or "").strip() or _("The fault has been fixed.")
    case = lock_case(gmina=gmina, case_id=report.case_id)
    for status in _TO_SETTLED.get(case.status, []):
        apply_transition(case=case, to_status=status, actor=actor, kinds={Actor.OFFICIAL},
                         note=note if status == Status.CLOSED else "")
    report.fixed_at = timezone.now()
    report.fixed_by = actor
    report.save(update_fields=["fixed_at", "fixed_by"])
    what = object_label(report.object) if report.object else report.case.number
    language = getattr(report.reporter, "language", "") or "pl"
    with translation.override(language):
        notify(gmina=gmina, recipient=report.reporter, topic="case-status",
               subject=_("Fixed: %(what)s") % {"what": what},
               body=_("The fault you reported (%(number)s, %(what)s) has been fixed. "
                      "Thank you!") % {"number": report.case.number, "what": what}
               + ("\n\n" + note if note else ""),
               url=_case_url(report), dedup_key=f"fault-{report.pk}-fixed")
    return report


def _case_url(report: FaultReport) -> str:
    from django.urls import reverse

    return reverse("cases:detail", kwargs={"case_id": report.case_id})
