from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action, api_view
from rest_framework.response import Response

from riskdesk.accounts import permissions
from riskdesk.credit import services
from riskdesk.credit.api.serializers import (
    CheckRequestSerializer,
    CreditCheckSerializer,
    DecisionSerializer,
    LimitRequestCreateSerializer,
    LimitRequestSerializer,
)
from riskdesk.credit.choices import CheckStatus
from riskdesk.credit.models import CreditCheck, LimitRequest
from riskdesk.customers.models import Customer


def _customer(user, action: str, key: str) -> Customer:
    """A customer the user may act on, by id or USCC; 404 otherwise (existence is not leaked)."""
    visible = Customer.objects.restrict(user, action)
    if key.isdigit() and len(key) < 18:
        return get_object_or_404(visible, pk=int(key))
    return get_object_or_404(visible, uscc=key.upper())


@extend_schema(request=CheckRequestSerializer, responses={200: CreditCheckSerializer})
@api_view(["POST"])
def credit_check(request):
    """The ERP's order credit check: ``approve`` or ``hold`` with reasons; idempotent per
    order reference."""
    data = CheckRequestSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    customer = _customer(request.user, "credit_check", data.validated_data["customer"])
    check = services.check_order(
        customer=customer,
        order_reference=data.validated_data["order_reference"],
        amount=data.validated_data["amount"],
        actor=request.user,
    )
    return Response(CreditCheckSerializer(check).data)


class LimitRequestViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Limit requests of the customers you may see; POST opens one; approve/reject decide."""

    serializer_class = LimitRequestSerializer
    filterset_fields = ["customer", "status", "kind"]

    def get_queryset(self):
        queryset = LimitRequest.objects.select_related("requested_by").prefetch_related(
            "decisions__actor"
        )
        return permissions.restrict(queryset, self.request.user, "view_credit", "customer__")

    @extend_schema(request=LimitRequestCreateSerializer, responses={201: LimitRequestSerializer})
    def create(self, request):
        data = LimitRequestCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        customer = _customer(request.user, "view_credit", str(values.pop("customer")))
        limit_request = services.request_limit_change(
            customer=customer, actor=request.user, **values
        )
        return Response(LimitRequestSerializer(limit_request).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses={200: LimitRequestSerializer})
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.approve_limit_request(
            request=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(LimitRequestSerializer(decided).data)

    @extend_schema(request=DecisionSerializer, responses={200: LimitRequestSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        decided = services.reject_limit_request(
            request=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(LimitRequestSerializer(decided).data)


class HoldViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Orders held by the credit check (``?status=`` for resolved ones); release or reject."""

    serializer_class = CreditCheckSerializer
    filterset_fields = ["customer", "status"]

    def get_queryset(self):
        queryset = CreditCheck.objects.exclude(status=CheckStatus.APPROVED)
        return permissions.restrict(queryset, self.request.user, "view_credit", "customer__")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "status" not in self.request.query_params and self.action == "list":
            queryset = queryset.filter(status=CheckStatus.HELD)
        return queryset

    def _resolve(self, request, service):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        check = service(
            check=self.get_object(), actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(CreditCheckSerializer(check).data)

    @extend_schema(request=DecisionSerializer, responses={200: CreditCheckSerializer})
    @action(detail=True, methods=["post"])
    def release(self, request, pk=None):
        return self._resolve(request, services.release_hold)

    @extend_schema(request=DecisionSerializer, responses={200: CreditCheckSerializer})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        return self._resolve(request, services.reject_hold)
