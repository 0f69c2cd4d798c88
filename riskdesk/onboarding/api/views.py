from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiTypes, extend_schema
from rest_framework import status
from rest_framework.decorators import api_view
from rest_framework.response import Response

from riskdesk.accounts.models import User
from riskdesk.onboarding import services
from riskdesk.onboarding.api.serializers import DecideAdmissionSerializer, StartAdmissionSerializer
from riskdesk.onboarding.views import visible_cases


def _owner(username: str | None) -> User | None:
    if not username:
        return None
    try:
        return User.objects.get(username=username, is_active=True)
    except User.DoesNotExist:
        raise ValidationError({"owner": f"用户不存在 / no active user named {username}"}) from None


@extend_schema(request=StartAdmissionSerializer, responses={201: OpenApiTypes.OBJECT})
@api_view(["POST"])
def start(request):
    """Start the admission of a company by USCC or name: case id, status, outcome, reasons."""
    data = StartAdmissionSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    case = services.start_admission(
        actor=request.user,
        uscc=data.validated_data.get("uscc"),
        name=data.validated_data.get("name"),
        owner=_owner(data.validated_data.get("owner")),
    )
    return Response(services.case_summary(case), status=status.HTTP_201_CREATED)


@extend_schema(responses={200: OpenApiTypes.OBJECT})
@api_view(["GET"])
def detail(request, pk: int):
    case = get_object_or_404(visible_cases(request.user), pk=pk)
    return Response(services.case_summary(case))


@extend_schema(request=DecideAdmissionSerializer, responses={200: OpenApiTypes.OBJECT})
@api_view(["POST"])
def decide(request, pk: int):
    """A risk manager approves or rejects a case waiting for review."""
    data = DecideAdmissionSerializer(data=request.data)
    data.is_valid(raise_exception=True)
    case = get_object_or_404(visible_cases(request.user), pk=pk)
    case = services.decide_admission(case=case, actor=request.user, **data.validated_data)
    return Response(services.case_summary(case))
