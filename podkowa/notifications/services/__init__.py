"""The notifications app's writes, one module per concern; re-exported here for callers.

- outbox: everything sent to a person is written there first, then delivered;
- notify: the one service every module calls to tell a resident something;
- push: registering and removing a resident's Web Push devices;
- subscriptions: topics and areas a resident follows, inbox read marks;
- announcements: the office's message to the subscribers of a topic and area.
"""

from podkowa.notifications.services.announcements import (
    announcement_deliver_batch,
    announcement_fan_out,
    announcement_send,
)
from podkowa.notifications.services.notify import NotifyResult, notify, notify_many
from podkowa.notifications.services.outbox import (
    FAILED,
    GONE,
    RETRY,
    SENT,
    SKIPPED,
    outbox_deliver,
    outbox_deliver_many,
    outbox_due_ids,
    outbox_enqueue,
    outbox_enqueue_many,
    outbox_flush,
    outbox_retry_now,
    queue_delivery,
    retry_delay,
)
from podkowa.notifications.services.push import (
    push_subscription_register,
    push_subscription_unregister,
)
from podkowa.notifications.services.subscriptions import (
    inbox_item_mark_read,
    inbox_mark_all_read,
    subscription_create,
    subscription_delete,
    subscription_update_channels,
    topics_ensure_defaults,
)

__all__ = [
    "FAILED", "GONE", "RETRY", "SENT", "SKIPPED", "NotifyResult", "announcement_deliver_batch",
    "announcement_fan_out", "announcement_send", "inbox_item_mark_read", "inbox_mark_all_read",
    "notify", "notify_many", "outbox_deliver", "outbox_deliver_many", "outbox_due_ids",
    "outbox_enqueue", "outbox_enqueue_many", "outbox_flush", "outbox_retry_now",
    "push_subscription_register", "push_subscription_unregister", "queue_delivery",
    "retry_delay", "subscription_create", "subscription_delete",
    "subscription_update_channels", "topics_ensure_defaults",
]
