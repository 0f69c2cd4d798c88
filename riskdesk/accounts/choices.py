from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    """Roles are Django groups with these names; a user may hold several."""

    ADMIN = "admin", _("管理员")
    RISK_MANAGER = "risk_manager", _("风控经理")
    CREDIT_CONTROLLER = "credit_controller", _("信用控制")
    SALES = "sales", _("销售")
    AUDITOR = "auditor", _("审计")
