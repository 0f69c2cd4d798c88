from django.urls import re_path
from rest_framework.routers import DefaultRouter

from riskdesk.credit.api import views

router = DefaultRouter()
router.register("limit-requests", views.LimitRequestViewSet, basename="limit-request")
router.register("holds", views.HoldViewSet, basename="hold")

urlpatterns = [
    re_path(r"^check/?$", views.credit_check, name="credit-check"),
    *router.urls,
]
