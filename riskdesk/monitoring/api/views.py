from django.core.exceptions import ValidationError
from django.http import Http404
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from riskdesk.accounts import permissions
from riskdesk.accounts.choices import Role
from riskdesk.monitoring import rules_io, services
from riskdesk.monitoring.api.serializers import MonitoringRuleSerializer
from riskdesk.monitoring.models import MonitoringRule

READERS = (Role.ADMIN, Role.RISK_MANAGER, Role.CREDIT_CONTROLLER, Role.AUDITOR)


def rule_data(rule: MonitoringRule) -> dict:
    return {
        "id": rule.pk,
        **services.rule_document(rule),
        "error_count": rule.error_count,
        "last_error": rule.last_error,
    }


def _notifies(rule: MonitoringRule, user) -> bool:
    return (
        rule.notify_owner
        or rule.notify_owner_manager
        or bool(set(rule.recipient_roles) & user.roles)
        or user in rule.recipient_users.all()
    )


def _invalid(exc: ValidationError) -> Response:
    return Response(
        {"code": "invalid", "errors": rules_io.error_items(exc)},
        status=status.HTTP_400_BAD_REQUEST,
    )


ID_PARAMETER = OpenApiParameter("id", int, OpenApiParameter.PATH)


@extend_schema(request=MonitoringRuleSerializer, responses=MonitoringRuleSerializer)
@extend_schema_view(
    retrieve=extend_schema(parameters=[ID_PARAMETER]),
    update=extend_schema(parameters=[ID_PARAMETER]),
    partial_update=extend_schema(parameters=[ID_PARAMETER]),
    destroy=extend_schema(parameters=[ID_PARAMETER]),
)
class MonitoringRuleViewSet(viewsets.ViewSet):
    """Monitoring rules. Risk managers and admins write; a salesperson reads the rules that
    would notify them (by name, by role or as a customer's owner or manager)."""

    def visible_rules(self) -> list[MonitoringRule]:
        user = self.request.user
        rules = MonitoringRule.objects.prefetch_related("recipient_users").order_by("name", "id")
        if user.has_role(*READERS):
            return list(rules)
        if not permissions.may(user, "view"):
            return []
        return [rule for rule in rules if _notifies(rule, user)]

    lookup_value_converter = "int"

    def _rule(self, pk) -> MonitoringRule:
        for rule in self.visible_rules():
            if str(rule.pk) == str(pk):
                return rule
        raise Http404

    def _require_write(self) -> None:
        if not permissions.may(self.request.user, "manage_monitoring"):
            raise PermissionDenied(
                "您没有管理监控规则的权限 / You may not manage monitoring rules."
            )

    def list(self, request):
        return Response([rule_data(rule) for rule in self.visible_rules()])

    def retrieve(self, request, pk=None):
        return Response(rule_data(self._rule(pk)))

    def create(self, request):
        self._require_write()
        return self._save(MonitoringRule(), request.data, partial=False, created=True)

    def update(self, request, pk=None):
        self._require_write()
        return self._save(self._rule(pk), request.data, partial=False)

    def partial_update(self, request, pk=None):
        self._require_write()
        return self._save(self._rule(pk), request.data, partial=True)

    def destroy(self, request, pk=None):
        self._require_write()
        services.delete_rule(rule=self._rule(pk), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, rule, data, *, partial: bool, created: bool = False) -> Response:
        try:
            rule, users = rules_io.rule_from_document(dict(data), rule=rule, partial=partial)
        except ValidationError as exc:
            return _invalid(exc)
        services.save_rule(rule=rule, actor=self.request.user, recipient_users=users)
        code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(rule_data(rule), status=code)
