from django.urls import path

from riskdesk.assessments import views

app_name = "assessments"

urlpatterns = [
    path("customers/<int:pk>/reassess/", views.reassess, name="reassess"),
    path("batch/", views.start_batch, name="batch"),
    path("batch/<int:pk>/", views.batch_progress, name="batch_progress"),
    path("policies/<int:pk>/simulate/", views.simulate, name="simulate"),
]
