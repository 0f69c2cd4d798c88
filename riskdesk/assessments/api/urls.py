from rest_framework.routers import DefaultRouter

from riskdesk.assessments.api import views

router = DefaultRouter()
router.register("assessments", views.AssessmentViewSet, basename="assessment")

urlpatterns = router.urls
