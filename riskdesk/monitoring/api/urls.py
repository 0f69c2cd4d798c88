from rest_framework.routers import DefaultRouter

from riskdesk.monitoring.api import views

router = DefaultRouter()
router.register("rules", views.MonitoringRuleViewSet, basename="monitoring-rule")

urlpatterns = router.urls
