from django.urls import path

from riskdesk.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("holds/<int:pk>/<str:verdict>/", views.decide_hold, name="decide-hold"),
    path("requests/<int:pk>/<str:verdict>/", views.decide_request, name="decide-request"),
]
