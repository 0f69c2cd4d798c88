from django.urls import path

from riskdesk.web import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job_progress"),
]
