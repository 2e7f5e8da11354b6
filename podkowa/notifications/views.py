"""The resident's notification pages: settings (topics, areas, devices) and the inbox. Thin."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from podkowa.notifications import selectors
from podkowa.notifications.services import (
    inbox_item_mark_read,
    inbox_mark_all_read,
    push_subscription_unregister,
    subscription_create,
    subscription_delete,
    subscription_update_channels,
)
from podkowa.notifications.vapid import vapid_keys, webpush_configured


def _choice(value: str | None) -> bool | None:
    return {"1": True, "0": False}.get(value or "")


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _handle_settings_post(request: HttpRequest) -> None:
    action = request.POST.get("action")
    gmina, user = request.gmina, request.user
    try:
        if action == "subscribe":
            topic_id = _int(request.POST.get("topic"))
            if topic_id is None:
                raise ValidationError({"topic": _("Choose a topic from the list.")})
            subscription_create(gmina=gmina, user=user, topic_id=topic_id,
                                area_id=_int(request.POST.get("area")))
            messages.success(request, _("Subscribed."))
        elif action == "unsubscribe":
            subscription_delete(gmina=gmina, user=user,
                                subscription_id=_int(request.POST.get("subscription")) or 0)
            messages.success(request, _("Unsubscribed."))
        elif action == "channels":
            subscription_update_channels(
                gmina=gmina, user=user,
                subscription_id=_int(request.POST.get("subscription")) or 0,
                by_email=_choice(request.POST.get("by_email")),
                by_push=_choice(request.POST.get("by_push")),
                by_sms=_choice(request.POST.get("by_sms")),
            )
            messages.success(request, _("Your choice of channels was saved."))
        elif action == "remove_device":
            push_subscription_unregister(gmina=gmina, user=user,
                                         subscription_id=_int(request.POST.get("device")) or 0)
            messages.success(request, _("The device will no longer receive notifications."))
        else:
            messages.error(request, _("Unknown action."))
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except ObjectDoesNotExist:
        messages.error(request, _("Not found."))


@never_cache
@login_required
def notification_settings(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        _handle_settings_post(request)
        return redirect("notifications:settings")
    gmina, user = request.gmina, request.user
    topics = list(selectors.topics_for(gmina=gmina))
    context = {
        "system_topics": [t for t in topics if t.is_system],
        "topics": [t for t in topics if not t.is_system],
        "areas": list(selectors.areas_for(gmina=gmina)),
        "subscriptions": list(selectors.subscriptions_for(gmina=gmina, user=user)),
        "devices": list(selectors.push_devices_for(gmina=gmina, user=user)),
        "unread": selectors.inbox_unread_count(gmina=gmina, user=user),
        "vapid_public_key": vapid_keys().public_key if webpush_configured() else "",
        "channel_choices": [
            ("", _("as in my profile")), ("1", _("yes")), ("0", _("no")),
        ],
    }
    return render(request, "notifications/settings.html", context)


@never_cache
@login_required
def inbox(request: HttpRequest) -> HttpResponse:
    gmina, user = request.gmina, request.user
    if request.method == "POST":
        try:
            if request.POST.get("action") == "read_all":
                inbox_mark_all_read(gmina=gmina, user=user)
                messages.success(request, _("All notifications are marked as read."))
            else:
                inbox_item_mark_read(gmina=gmina, user=user,
                                     item_id=_int(request.POST.get("item")) or 0)
        except ObjectDoesNotExist:
            messages.error(request, _("Not found."))
        return redirect(request.get_full_path())
    page = Paginator(selectors.inbox_for(gmina=gmina, user=user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "notifications/inbox.html", {
        "page": page,
        "unread": selectors.inbox_unread_count(gmina=gmina, user=user),
    })
