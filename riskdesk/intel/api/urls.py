from django.urls import path
from rest_framework.routers import DefaultRouter

from riskdesk.intel.api import views

router = DefaultRouter()
router.register("dossiers", views.DossierViewSet, basename="intel-dossier")
router.register("events", views.ChangeEventViewSet, basename="intel-event")

urlpatterns = [
    *router.urls,
    path("prospects/", views.ProspectView.as_view(), name="intel-prospects"),
    path("push/<slug:provider_id>/", views.ProviderPushView.as_view(), name="intel-push"),
]
