from django.http import HttpResponse
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied

from riskdesk.accounts import permissions
from riskdesk.policies import services
from riskdesk.policies.api.serializers import PolicyVersionDetailSerializer, PolicyVersionSerializer
from riskdesk.policies.models import PolicyVersion


class PolicyVersionViewSet(viewsets.ReadOnlyModelViewSet):
    """Policy versions, newest first; ``yaml/`` returns a version's canonical YAML."""

    filterset_fields = ["status"]
    ordering_fields = ["number", "updated_at"]

    def get_queryset(self):
        if not permissions.may(self.request.user, "view_policy"):
            raise PermissionDenied("您没有查看策略的权限 / You may not view policies.")
        return PolicyVersion.objects.select_related("author", "published_by").order_by("-number")

    def get_serializer_class(self):
        if self.action == "retrieve":
            return PolicyVersionDetailSerializer
        return PolicyVersionSerializer

    @extend_schema(responses={(200, "application/yaml"): OpenApiResponse(description="YAML")})
    @action(detail=True, methods=["get"])
    def yaml(self, request, pk=None):
        version = self.get_object()
        text = services.export_yaml(version=version, actor=request.user)
        return HttpResponse(text, content_type="application/yaml; charset=utf-8")
