"""Tenant scoping: every row that belongs to a town carries its Gmina.

Tenant models use a django-scopes manager, so a query made outside `scope(gmina=…)` raises
instead of silently reading every town's rows (pretix's rule). The web middleware and the
task wrappers open the scope; code that really must see all towns says so with
`scopes_disabled()`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import ScopedManager


class TenantModel(models.Model):
    gmina = models.ForeignKey(
        "core.Gmina", on_delete=models.PROTECT, related_name="+", verbose_name=_("gmina")
    )

    objects = ScopedManager(gmina="gmina")

    class Meta:
        abstract = True
