"""The notifications part of the API: my inbox, my push devices, topics and subscriptions.

Every operation works on the caller's own rows only: another person's item or device answers
404, the same as one that does not exist.
"""

from datetime import datetime

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate

from podkowa.core.api_errors import ErrorOut, FieldErrorsOut
from podkowa.notifications import selectors
from podkowa.notifications.services import (
    inbox_item_mark_read,
    inbox_mark_all_read,
    push_subscription_register,
    push_subscription_unregister,
    subscription_create,
    subscription_delete,
)
from podkowa.notifications.vapid import vapid_keys, webpush_configured

router = Router(tags=["notifications"])


class InboxItemOut(Schema):
    id: int
    topic: str = Field(description="The topic's short name, e.g. case-status.")
    topic_name: str
    subject: str
    body: str
    url: str = Field(description="A path on the website (or an absolute address), or empty.")
    created_at: datetime
    read_at: datetime | None

    @staticmethod
    def resolve_topic(obj) -> str:
        return obj.topic.slug

    @staticmethod
    def resolve_topic_name(obj) -> str:
        return obj.topic.name


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class PushKeyOut(Schema):
    public_key: str = Field(description="The VAPID public key (base64url) for "
                                        "PushManager.subscribe's applicationServerKey.")


class PushSubscriptionIn(Schema):
    endpoint: str = Field(max_length=1000, description="The push service address (https).")
    p256dh: str = Field(max_length=200, description="The browser's P-256 key, base64url.")
    auth: str = Field(max_length=100, description="The browser's 16-byte secret, base64url.")
    user_agent: str = Field("", max_length=300, description="Which device, for the person.")


class PushSubscriptionOut(Schema):
    id: int
    endpoint: str
    user_agent: str
    created_at: datetime
    last_success_at: datetime | None


class PushUnregisterIn(Schema):
    endpoint: str = Field(max_length=1000)


class TopicOut(Schema):
    id: int
    slug: str
    name: str
    description: str
    is_system: bool = Field(description="Notices about the person's own matters; always on.")


class AreaOut(Schema):
    id: int
    name: str
    kind: str = Field(description="street or district")


class SubscriptionIn(Schema):
    topic_id: int
    area_id: int | None = Field(None, description="None: the whole town.")


class SubscriptionOut(Schema):
    id: int
    topic_id: int
    area_id: int | None
    by_email: bool | None = Field(description="None: as in the profile.")
    by_push: bool | None
    by_sms: bool | None
    created_at: datetime


@router.get("/inbox", response={200: list[InboxItemOut], 401: ErrorOut})
@paginate(LimitOffsetPagination)
def inbox(request: HttpRequest, unread: bool = False):
    """The caller's inbox in this gmina, newest first (`unread=true`: unread only)."""
    return selectors.inbox_for(gmina=request.gmina, user=request.auth, unread_only=unread)


@router.get("/inbox/unread-count", response={200: UnreadOut, 401: ErrorOut})
def inbox_unread_count(request: HttpRequest):
    return {"unread": selectors.inbox_unread_count(gmina=request.gmina, user=request.auth)}


@router.post("/inbox/{int:item_id}/read",
             response={200: InboxItemOut, 401: ErrorOut, 404: ErrorOut})
def inbox_mark_read(request: HttpRequest, item_id: int):
    """Mark one of the caller's inbox items as read (marking it again changes nothing)."""
    return inbox_item_mark_read(gmina=request.gmina, user=request.auth, item_id=item_id)


@router.post("/inbox/read-all", response={200: MarkedOut, 401: ErrorOut})
def inbox_mark_all(request: HttpRequest):
    return {"marked": inbox_mark_all_read(gmina=request.gmina, user=request.auth)}


@router.get("/push-key", response={200: PushKeyOut, 503: ErrorOut}, auth=None)
def push_key(request: HttpRequest):
    """The public key browsers and apps subscribe with (no sign-in needed)."""
    if not webpush_configured():
        return Status(503, {"detail": _("Web Push is not configured."), "code": "push_off"})
    return {"public_key": vapid_keys().public_key}


@router.get("/push-subscriptions", response={200: list[PushSubscriptionOut], 401: ErrorOut})
def push_subscriptions(request: HttpRequest):
    """The caller's devices that receive push messages."""
    return list(selectors.push_devices_for(gmina=request.gmina, user=request.auth))


@router.post("/push-subscriptions", url_name="notifications_push_register",
             response={201: PushSubscriptionOut, 400: FieldErrorsOut, 401: ErrorOut})
def push_register(request: HttpRequest, payload: PushSubscriptionIn):
    """Register this browser or app for push messages (the PushSubscription's JSON).

    Registering the same endpoint again updates its keys.
    """
    device = push_subscription_register(
        gmina=request.gmina, user=request.auth, endpoint=payload.endpoint,
        p256dh=payload.p256dh, auth=payload.auth, user_agent=payload.user_agent,
    )
    return Status(201, device)


@router.delete("/push-subscriptions/{int:subscription_id}",
               response={204: None, 401: ErrorOut, 404: ErrorOut})
def push_unregister(request: HttpRequest, subscription_id: int):
    push_subscription_unregister(gmina=request.gmina, user=request.auth,
                                 subscription_id=subscription_id)
    return Status(204, None)


@router.post("/push-subscriptions/unregister",
             response={204: None, 400: FieldErrorsOut, 401: ErrorOut, 404: ErrorOut})
def push_unregister_by_endpoint(request: HttpRequest, payload: PushUnregisterIn):
    """Unregister by endpoint: what a browser knows after `subscription.unsubscribe()`."""
    push_subscription_unregister(gmina=request.gmina, user=request.auth,
                                 endpoint=payload.endpoint)
    return Status(204, None)


@router.get("/topics", response={200: list[TopicOut], 401: ErrorOut})
def topics(request: HttpRequest):
    return list(selectors.topics_for(gmina=request.gmina))


@router.get("/areas", response={200: list[AreaOut], 401: ErrorOut})
def areas(request: HttpRequest):
    return list(selectors.areas_for(gmina=request.gmina))


@router.get("/subscriptions", response={200: list[SubscriptionOut], 401: ErrorOut})
def my_subscriptions(request: HttpRequest):
    return list(selectors.subscriptions_for(gmina=request.gmina, user=request.auth))


@router.post("/subscriptions",
             response={201: SubscriptionOut, 400: FieldErrorsOut, 401: ErrorOut})
def subscribe(request: HttpRequest, payload: SubscriptionIn):
    """Follow a topic in an area (or the whole town); following it again changes nothing."""
    return Status(201, subscription_create(gmina=request.gmina, user=request.auth,
                                           topic_id=payload.topic_id, area_id=payload.area_id))


@router.delete("/subscriptions/{int:subscription_id}",
               response={204: None, 401: ErrorOut, 404: ErrorOut})
def unsubscribe(request: HttpRequest, subscription_id: int):
    subscription_delete(gmina=request.gmina, user=request.auth,
                        subscription_id=subscription_id)
    return Status(204, None)
