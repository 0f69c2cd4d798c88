from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditAction(models.TextChoices):
    LOGIN = "login", _("登录")
    LOGIN_FAILED = "login_failed", _("登录失败")
    LOGIN_LOCKED = "login_locked", _("登录被锁定")
    LOGOUT = "logout", _("退出")
    PASSWORD_CHANGED = "password_changed", _("修改密码")
    TOKEN_CREATED = "token_created", _("生成 API 令牌")
    TOKEN_REVOKED = "token_revoked", _("撤销 API 令牌")
    ROLES_CHANGED = "roles_changed", _("角色变更")
    CUSTOMER_CREATED = "customer_created", _("新建客户")
    CUSTOMER_UPDATED = "customer_updated", _("修改客户")
    CUSTOMER_DELETED = "customer_deleted", _("删除客户")
    IMPORT_PREVIEWED = "import_previewed", _("导入预览")
    IMPORT_APPLIED = "import_applied", _("导入")
    IMPORT_REJECTED = "import_rejected", _("导入被拒绝")
    EXPORT = "export", _("导出")
    DEMO_LOADED = "demo_loaded", _("加载演示数据")
    DOSSIER_REFRESHED = "dossier_refreshed", _("刷新企业档案")
    DOSSIER_QUARANTINED = "dossier_quarantined", _("隔离数据源返回内容")
    PROVIDER_PUSH = "provider_push", _("数据源推送")
