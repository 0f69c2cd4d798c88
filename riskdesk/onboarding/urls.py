from django.urls import path

from riskdesk.onboarding import views

app_name = "onboarding"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("start/", views.start, name="start"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/<str:verdict>/", views.decide, name="decide"),
]
