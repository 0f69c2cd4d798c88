from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riskdesk.policies.choices import PolicyStatus


class PolicyVersion(models.Model):
    """One version of the company's risk policy, stored as the engine's canonical YAML.

    Drafts may change; a published or archived version never does, so every assessment that
    names a version can be replayed against exactly the text it was made with.
    """

    number = models.PositiveIntegerField(_("版本号"), unique=True)
    name = models.CharField(_("名称"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=12, choices=PolicyStatus.choices, default=PolicyStatus.DRAFT
    )
    yaml = models.TextField(_("策略 YAML"))
    notes = models.TextField(_("说明"), blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("作者"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发布人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("策略版本")
        verbose_name_plural = _("策略版本")
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=PolicyStatus.PUBLISHED),
                name="policies_one_published_version",
            )
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.name}"

    @property
    def is_draft(self) -> bool:
        return self.status == PolicyStatus.DRAFT
