from podkowa.notifications.models import OutboxMessage
from podkowa.notifications.personal_data import export, shred
from podkowa.notifications.services import outbox_enqueue
from tests.factories import UserFactory


def _message(gmina, user, subject):
    return outbox_enqueue(gmina=gmina, recipient=user, channel=OutboxMessage.Channel.PUSH,
                          address="device-1", subject=subject, body="Your card is ready.")


def test_a_person_downloads_the_messages_sent_to_them(gmina):
    anna, jan = UserFactory(), UserFactory()
    _message(gmina, anna, "Karta Mieszkańca")
    _message(gmina, jan, "Someone else's")

    data = export(gmina=gmina, user=anna)

    assert [m["subject"] for m in data["messages"]] == ["Karta Mieszkańca"]
    assert data["messages"][0]["text"] == "Your card is ready."


def test_erasure_cancels_unsent_messages_and_removes_addresses_and_texts(gmina):
    anna, jan = UserFactory(), UserFactory()
    mine = _message(gmina, anna, "Karta Mieszkańca")
    theirs = _message(gmina, jan, "Someone else's")

    shred(gmina=gmina, user=anna)

    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert (mine.address, mine.subject, mine.body) == ("erased", "", "")
    # Not sent now, and never later by a retry.
    assert mine.status == OutboxMessage.Status.FAILED
    assert theirs.subject == "Someone else's"
