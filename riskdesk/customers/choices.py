from django.db import models
from django.utils.translation import gettext_lazy as _

from riskdesk.engine.catalogue import INDUSTRY_SECTIONS as SECTION_NAMES
from riskdesk.engine.catalogue import PROVINCES as CATALOGUE_PROVINCES


class CustomerStatus(models.TextChoices):
    ACTIVE = "active", _("合作中")
    PROSPECT = "prospect", _("潜在客户")
    SUSPENDED = "suspended", _("暂停合作")
    CLOSED = "closed", _("已终止")


class OrderStatus(models.TextChoices):
    OPEN = "open", _("未完成")
    FULFILLED = "fulfilled", _("已完成")
    CANCELLED = "cancelled", _("已取消")


class InvoiceStatus(models.TextChoices):
    OPEN = "open", _("未付款")
    PARTIAL = "partial", _("部分付款")
    PAID = "paid", _("已结清")
    CANCELLED = "cancelled", _("已作废")


class Currency(models.TextChoices):
    CNY = "CNY", _("人民币")
    USD = "USD", _("美元")
    EUR = "EUR", _("欧元")
    HKD = "HKD", _("港币")
    JPY = "JPY", _("日元")


# GB/T 4754-2017 门类 (sections), letter → name, and the province-level divisions: the policy
# engine's catalogue is the one list, so imports and policies accept the same values.
INDUSTRY_SECTIONS: dict[str, str] = dict(zip("ABCDEFGHIJKLMNOPQRST", SECTION_NAMES, strict=True))
PROVINCES: tuple[str, ...] = CATALOGUE_PROVINCES
