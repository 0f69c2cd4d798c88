from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.response import Response

from riskdesk.accounts import permissions
from riskdesk.assessments import services
from riskdesk.assessments.api.serializers import (
    AssessmentDetailSerializer,
    AssessmentSerializer,
    AssessRequestSerializer,
)
from riskdesk.assessments.choices import Trigger
from riskdesk.assessments.models import Assessment
from riskdesk.customers.models import Customer


class AssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Assessments of the customers you may see (``?customer=ID``), newest first.

    POST ``{"customer": ID}`` assesses that customer now with the published policy.
    """

    filterset_fields = ["customer", "grade", "trigger", "batch_run"]
    ordering_fields = ["created_at", "score"]

    def get_queryset(self):
        queryset = Assessment.objects.select_related("policy_version", "actor").order_by(
            "-created_at", "-id"
        )
        return permissions.restrict(queryset, self.request.user, "view", prefix="customer__")

    def get_serializer_class(self):
        if self.action in {"retrieve", "create"}:
            return AssessmentDetailSerializer
        return AssessmentSerializer

    @extend_schema(request=AssessRequestSerializer, responses={201: AssessmentDetailSerializer})
    def create(self, request):
        data = AssessRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        visible = Customer.objects.restrict(request.user, "view")
        customer = get_object_or_404(visible, pk=data.validated_data["customer"])
        assessment = services.assess_customer(
            customer=customer, actor=request.user, trigger=Trigger.MANUAL
        )
        return Response(AssessmentDetailSerializer(assessment).data, status=status.HTTP_201_CREATED)
