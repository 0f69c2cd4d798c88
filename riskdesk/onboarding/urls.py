from django.urls import path

from riskdesk.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("start/", views.start, name="start"),
    path("new/", views.wizard, name="wizard"),
    path("new/candidates/", views.wizard_candidates, name="wizard-candidates"),
    path("new/run/", views.wizard_run, name="wizard-run"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/<str:verdict>/", views.decide, name="decide"),
]
