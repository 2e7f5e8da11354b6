"""Case numbers under concurrent filings: real connections racing on PostgreSQL."""

import threading

import pytest
from django.db import connection
from django_scopes import scope

from podkowa.cases.models import Case
from podkowa.cases.services.filing import case_file
from tests.cases.conftest import VALID_ANSWERS, jpeg_bytes

FILINGS = 16


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_filings_never_share_a_number(gmina, case_type, applicant, media):
    from django.core.files.uploadedfile import SimpleUploadedFile

    barrier = threading.Barrier(FILINGS)
    numbers, failures = [], []

    def file_one():
        try:
            with scope(gmina=gmina):
                barrier.wait()
                case = case_file(gmina=gmina, applicant=applicant, case_type_id=case_type.pk,
                                 data=dict(VALID_ANSWERS),
                                 files={"photo": [SimpleUploadedFile("p.jpg", jpeg_bytes())]})
                numbers.append(case.number)
        except Exception as error:  # reported below, with the thread's own error
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=file_one) for _ in range(FILINGS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(numbers) == FILINGS
    assert len(set(numbers)) == FILINGS
    assert sorted(int(n.rsplit(".", 1)[1]) for n in numbers) == list(range(1, FILINGS + 1))
    assert Case.objects.filter(gmina=gmina).count() == FILINGS
