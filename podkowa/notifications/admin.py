"""The outbox for the town's administrator: read-only, with a "try again now" action.

Permissions are the predicates themselves (no rules.py in this app yet): the outbox holds
what was sent to people, so only the town's administrator sees it, and each look is audited.
"""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from podkowa.accounts.rules import is_gmina_admin, is_official
from podkowa.core.admin import AuditedPersonalDataAdmin
from podkowa.notifications.models import OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(AuditedPersonalDataAdmin, admin.ModelAdmin):
    list_display = ["created_at", "channel", "address", "subject", "status", "attempts",
                    "next_attempt_at", "sent_at"]
    list_filter = ["status", "channel"]
    search_fields = ["address", "subject"]
    date_hierarchy = "created_at"
    # No body: messages carry live links (password reset, e-mail confirmation) that would let
    # whoever reads them here act as the recipient.
    fields = ["recipient", "channel", "address", "subject", "status", "attempts",
              "next_attempt_at", "last_error", "created_at", "sent_at"]
    readonly_fields = fields
    actions = ["deliver_now"]

    def audit_subject(self, obj):
        return obj.recipient

    def has_module_permission(self, request) -> bool:
        return request.user.is_superuser or is_official.test(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or is_gmina_admin.test(request.user, obj)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_deliver_permission(self, request) -> bool:
        return self.has_view_permission(request)

    @admin.action(description=_("Try to deliver the selected messages now"),
                  permissions=["deliver"])
    def deliver_now(self, request, queryset):
        from podkowa.notifications.services import SENT, outbox_retry_now

        ids = list(queryset.values_list("pk", flat=True))
        sent = sum(
            1 for message_id in ids
            if outbox_retry_now(gmina=request.gmina, message_id=message_id) == SENT
        )
        self.message_user(
            request,
            ngettext(
                "%(sent)d of %(count)d message sent; the others are being sent, were sent "
                "already, belong to an erased person or failed again (see their last error).",
                "%(sent)d of %(count)d messages sent; the others are being sent, were sent "
                "already, belong to an erased person or failed again (see their last error).",
                len(ids),
            ) % {"sent": sent, "count": len(ids)},
            messages.SUCCESS if sent == len(ids) else messages.WARNING,
        )
