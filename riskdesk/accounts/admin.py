from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from riskdesk.accounts.models import Team, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        ("riskdesk", {"fields": ("display_name", "team")}),
    )
    list_display = ["username", "display_name", "email", "team", "is_active", "is_staff"]
    list_filter = ["team", "groups", "is_active"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "manager"]
    search_fields = ["name"]
