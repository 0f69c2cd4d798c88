from rest_framework.routers import DefaultRouter

from riskdesk.policies.api import views

router = DefaultRouter()
router.register("policies", views.PolicyVersionViewSet, basename="policy-version")

urlpatterns = router.urls
