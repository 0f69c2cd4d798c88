from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from riskdesk.accounts import permissions
from riskdesk.customers import services
from riskdesk.customers.api.serializers import (
    CustomerSerializer,
    ImportRequestSerializer,
    ImportResultSerializer,
    InvoiceSerializer,
    OrderSerializer,
    PaymentSerializer,
)
from riskdesk.customers.exports import import_template
from riskdesk.customers.filters import CustomerFilter
from riskdesk.customers.imports.specs import SPECS
from riskdesk.customers.models import Customer, Invoice, Order, Payment

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


class CustomerViewSet(viewsets.ModelViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    search_fields = ["name", "uscc", "external_id"]
    ordering_fields = ["name", "province", "industry", "created_at", "updated_at"]

    def get_queryset(self):
        return (
            Customer.objects.restrict(self.request.user, "view")
            .select_related("owner", "team")
            .prefetch_related("tags")
            .order_by("name", "pk")
        )

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        serializer.instance = services.create_customer(actor=self.request.user, **data)

    def perform_update(self, serializer):
        data = dict(serializer.validated_data)
        tags = data.pop("tags", None)
        serializer.instance = services.update_customer(
            customer=serializer.instance, actor=self.request.user, tags=tags, **data
        )

    def perform_destroy(self, instance):
        services.delete_customer(customer=instance, actor=self.request.user)

    @extend_schema(responses={(200, XLSX): bytes})
    @action(detail=False, methods=["get"])
    def export(self, request):
        """The filtered customer list with trading aggregates, as Excel."""
        queryset = self.filter_queryset(self.get_queryset())
        content = services.export_customers(queryset=queryset, actor=request.user)
        return xlsx_response(content, "customers.xlsx")


class _TradingViewSet(viewsets.ReadOnlyModelViewSet):
    model = Order
    filterset_fields = ["customer", "status"]

    def get_queryset(self):
        queryset = self.model.objects.select_related("customer").order_by("-pk")
        return permissions.restrict(queryset, self.request.user, "view", prefix="customer__")


class OrderViewSet(_TradingViewSet):
    model = Order
    serializer_class = OrderSerializer


class InvoiceViewSet(_TradingViewSet):
    model = Invoice
    serializer_class = InvoiceSerializer


class PaymentViewSet(_TradingViewSet):
    model = Payment
    serializer_class = PaymentSerializer
    filterset_fields = ["customer"]

    def get_queryset(self):
        return super().get_queryset().prefetch_related("allocations__invoice")


class ImportView(APIView):
    """Import customers, orders, invoices or payments from CSV / Excel (all rows or none)."""

    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        request={"multipart/form-data": ImportRequestSerializer},
        responses={200: ImportResultSerializer, 400: ImportResultSerializer},
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(SPECS))],
    )
    def post(self, request, kind: str):
        form = ImportRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        upload = form.validated_data["file"]
        result = services.import_records(
            kind=kind,
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            dry_run=form.validated_data["dry_run"],
            valid_only=form.validated_data["valid_only"],
            encoding=form.validated_data.get("encoding"),
        )
        code = status.HTTP_200_OK if result.ok or result.applied else status.HTTP_400_BAD_REQUEST
        return Response(result.to_dict(), status=code)


class ImportTemplateView(APIView):
    @extend_schema(
        responses={(200, XLSX): bytes},
        parameters=[OpenApiParameter("kind", str, OpenApiParameter.PATH, enum=list(SPECS))],
    )
    def get(self, request, kind: str):
        return xlsx_response(import_template(kind), f"riskdesk-{kind}-template.xlsx")
