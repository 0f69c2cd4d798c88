from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.decorators import api_view, permission_classes, throttle_classes
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from riskdesk.accounts import services


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    display_name = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    team = serializers.CharField(allow_null=True)


@extend_schema(responses=MeSerializer)
@api_view(["GET"])
def me(request):
    user = request.user
    return Response(
        {
            "username": user.username,
            "display_name": str(user),
            "roles": sorted(user.roles),
            "team": user.team.name if user.team else None,
        }
    )


@extend_schema(
    request=inline_serializer(
        "TokenRequest", {"username": serializers.CharField(), "password": serializers.CharField()}
    ),
    responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}),
)
@api_view(["POST"])
@permission_classes([AllowAny])
@throttle_classes([])
def obtain_token(request):
    """Exchange a user name and password for the API token (same lock-out as the login page)."""
    username = str(request.data.get("username", ""))[:150]
    password = str(request.data.get("password", ""))
    if services.is_login_locked(username=username):
        return Response(
            {
                "code": "locked",
                "detail": _("登录失败次数过多，请稍后再试 / Too many failed logins, try later."),
            },
            status=status.HTTP_429_TOO_MANY_REQUESTS,
        )
    user = authenticate(request._request, username=username, password=password)
    if user is None or not user.is_active:
        return Response(
            {
                "code": "invalid_credentials",
                "detail": _("用户名或密码错误 / Wrong user name or password."),
            },
            status=status.HTTP_400_BAD_REQUEST,
        )
    token, _created = Token.objects.get_or_create(user=user)
    return Response({"token": token.key})
