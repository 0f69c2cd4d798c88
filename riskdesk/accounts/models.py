from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts.choices import Role


class Team(models.Model):
    """A sales team; customers shared with a team are visible to all its members."""

    name = models.CharField(_("团队名称"), max_length=100, unique=True)
    manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_teams",
    )

    class Meta:
        verbose_name = _("团队")
        verbose_name_plural = _("团队")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    team = models.ForeignKey(
        Team,
        verbose_name=_("所属团队"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    display_name = models.CharField(_("显示名"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    @cached_property
    def roles(self) -> frozenset[str]:
        """Role names held by this user (superusers hold admin implicitly)."""
        names = set(self.groups.values_list("name", flat=True))
        if self.is_superuser:
            names.add(Role.ADMIN)
        return frozenset(name for name in names if name in Role.values)

    def has_role(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))
