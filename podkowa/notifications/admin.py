"""Notifications in the administration.

The outbox for the town's administrator: read-only with a "try again now" action, its
delivery attempts inline (it holds what was sent to people, so each look is audited). Topics,
areas and announcements for the officials who announce (rules.py), with a "send" action and
each announcement's delivery report.
"""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from podkowa.accounts.rules import is_gmina_admin, is_official
from podkowa.core.admin import AuditedPersonalDataAdmin, RulesModelAdmin, TenantAdminMixin
from podkowa.notifications.models import (
    Announcement,
    Area,
    DeliveryAttempt,
    OutboxMessage,
    Topic,
)


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    fields = ["at", "outcome", "detail"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.is_superuser or is_gmina_admin.test(request.user, obj)


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
    inlines = [DeliveryAttemptInline]

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


@admin.register(Topic)
class TopicAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["name", "slug", "is_system", "active"]
    list_filter = ["active", "is_system"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "is_system", "active"]

    def get_readonly_fields(self, request, obj=None):
        # The system topics' short names are what the modules call notify() with.
        return ["slug", "is_system"] if obj is not None and obj.is_system else ["is_system"]


@admin.register(Area)
class AreaAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["name", "kind"]
    list_filter = ["kind"]
    search_fields = ["name"]
    fields = ["name", "kind"]


@admin.register(Announcement)
class AnnouncementAdmin(TenantAdminMixin, RulesModelAdmin):
    list_display = ["subject", "topic", "area", "created_at", "sent_at"]
    list_filter = ["topic", "area"]
    search_fields = ["subject", "body"]
    date_hierarchy = "created_at"
    actions = ["send"]

    def get_fields(self, request, obj=None):
        fields = ["topic", "area", "subject", "body", "url"]
        if obj is not None:
            fields += ["author", "created_at", "sent_at", "sent_by", "delivery_report"]
        return fields

    def get_readonly_fields(self, request, obj=None):
        readonly = ["author", "created_at", "sent_at", "sent_by", "delivery_report"]
        if obj is not None and obj.sent_at is not None:
            # What was sent stays as it was sent.
            readonly += ["topic", "area", "subject", "body", "url"]
        return readonly

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "topic":
            kwargs["queryset"] = Topic.objects.filter(gmina=request.gmina, active=True)
        elif db_field.name == "area":
            kwargs["queryset"] = Area.objects.filter(gmina=request.gmina)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.author = request.user
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        if obj is not None and obj.sent_at is not None:
            return False
        return super().has_delete_permission(request, obj)

    def has_send_permission(self, request, obj=None) -> bool:
        return request.user.has_perm("notifications.send_announcement", obj)

    @admin.display(description=_("delivery report"))
    def delivery_report(self, obj):
        from podkowa.notifications.selectors import announcement_delivery_report

        if obj is None or obj.sent_at is None:
            return _("Not sent yet.")
        report = announcement_delivery_report(gmina=obj.gmina, announcement=obj)
        summary = format_html(
            "{}: {} · {}: {} · {}: {} · {}: {} · {}: {}",
            _("in inboxes"), report.recipients, _("read in the inbox"), report.read,
            _("queued"), report.queued, _("sent"), report.sent, _("failed"), report.failed,
        )
        channels = format_html_join(
            "", "<li>{}: {} {}, {} {}, {} {}</li>",
            ((OutboxMessage.Channel(channel).label, _("queued"), counts["queued"], _("sent"),
              counts["sent"], _("failed"), counts["failed"])
             for channel, counts in sorted(report.by_channel.items())),
        )
        return format_html("<p>{}</p><ul>{}</ul>", summary, channels)

    @admin.action(description=_("Send the selected announcements to their subscribers"),
                  permissions=["send"])
    def send(self, request, queryset):
        from podkowa.notifications.services import announcement_send

        sent = 0
        for announcement in queryset:
            try:
                announcement_send(gmina=request.gmina, announcement_id=announcement.pk,
                                  actor=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", [])) or str(_("You may not do this."))
                self.message_user(request, f"{announcement}: {text}", messages.WARNING)
            else:
                sent += 1
        if sent:
            self.message_user(request, ngettext(
                "%(count)d announcement is being sent.",
                "%(count)d announcements are being sent.", sent) % {"count": sent},
                messages.SUCCESS)
