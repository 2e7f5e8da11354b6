from django.urls import re_path

from podkowa.registers import open311

app_name = "open311"

# Open311 names each resource with its format (services.json); the bare name means JSON too.
FMT = r"(?:\.(?P<fmt>json|xml))?$"
urlpatterns = [
    re_path(r"^services" + FMT, open311.services, name="services"),
    re_path(r"^services/(?P<code>[-\w]+)" + FMT, open311.service_definition, name="service"),
    re_path(r"^requests" + FMT, open311.requests, name="requests"),
    re_path(r"^requests/(?P<request_id>\d+)" + FMT, open311.request_detail, name="request"),
]
