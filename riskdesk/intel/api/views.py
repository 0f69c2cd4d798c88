from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from riskdesk.accounts import permissions
from riskdesk.customers.api.serializers import CustomerSerializer
from riskdesk.customers.models import Customer
from riskdesk.intel import services
from riskdesk.intel.api.filters import ChangeEventFilter
from riskdesk.intel.api.serializers import (
    ChangeEventSerializer,
    JobSerializer,
    ProspectCandidateSerializer,
    ProspectCreateSerializer,
    RefreshRequestSerializer,
    SnapshotSerializer,
)
from riskdesk.intel.models import ChangeEvent, DossierSnapshot


def _job_response(job) -> Response:
    body = {"job_id": job.pk, "progress_url": reverse("web:job_progress", args=[job.pk])}
    return Response(JobSerializer(body).data, status=status.HTTP_202_ACCEPTED)


class DossierViewSet(viewsets.GenericViewSet):
    """The dossier of a customer (by customer id): the current snapshot, history, refresh."""

    serializer_class = SnapshotSerializer
    lookup_url_kwarg = "customer_id"

    def get_queryset(self):
        return Customer.objects.restrict(self.request.user, "view")

    def _customer(self) -> Customer:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["customer_id"])

    def retrieve(self, request, customer_id=None):
        """The current snapshot; 404 while no dossier has been fetched."""
        snapshot = DossierSnapshot.objects.current_for(self._customer().pk)
        if snapshot is None:
            raise NotFound("尚未获取企业档案 / No dossier has been fetched yet.")
        return Response(SnapshotSerializer(snapshot).data)

    @extend_schema(request=RefreshRequestSerializer, responses={202: JobSerializer})
    @action(detail=True, methods=["post"])
    def refresh(self, request, customer_id=None):
        """Queue a refresh of this customer's dossier; follow the job for progress."""
        customer = self._customer()
        data = RefreshRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        job = services.start_refresh(
            actor=request.user,
            customer=customer,
            force=data.validated_data["force"],
            provider_id=data.validated_data["provider_id"],
        )
        return _job_response(job)


class ChangeEventViewSet(viewsets.ReadOnlyModelViewSet):
    """Change events of the customers you may see, newest first."""

    serializer_class = ChangeEventSerializer
    filterset_class = ChangeEventFilter
    ordering_fields = ["detected_at", "as_of", "severity_rank"]

    def get_queryset(self):
        queryset = ChangeEvent.objects.order_by("-detected_at", "-id")
        return permissions.restrict(queryset, self.request.user, "view", prefix="customer__")


class ProspectView(APIView):
    """Search a prospect by name or USCC (GET ?q=) and register it (POST)."""

    @extend_schema(
        parameters=[OpenApiParameter("q", str, required=True)],
        responses={200: ProspectCandidateSerializer(many=True)},
    )
    def get(self, request):
        found = services.search_prospects(
            query=request.query_params.get("q", ""), actor=request.user
        )
        return Response(ProspectCandidateSerializer(found, many=True).data)

    @extend_schema(request=ProspectCreateSerializer, responses={201: CustomerSerializer})
    def post(self, request):
        data = ProspectCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        customer = services.create_prospect(actor=request.user, **data.validated_data)
        return Response(CustomerSerializer(customer).data, status=status.HTTP_201_CREATED)


class ProviderPushView(APIView):
    """Change notification from a provider: HMAC-signed, see ``services.accept_push``."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    @extend_schema(request=None, responses={202: None})
    def post(self, request, provider_id: str):
        try:
            result = services.accept_push(
                provider_id=provider_id,
                body=request.body,
                timestamp=request.headers.get(services.TIMESTAMP_HEADER, ""),
                signature=request.headers.get(services.SIGNATURE_HEADER, ""),
            )
        except services.PushRejected as exc:
            return Response({"code": exc.code, "detail": exc.message}, status=exc.status)
        body = {"uscc": result.uscc, "known": result.customer is not None, "job_id": result.job_id}
        return Response(body, status=status.HTTP_202_ACCEPTED)
