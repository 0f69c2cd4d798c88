from django.urls import path

from riskdesk.credit import views

app_name = "credit"

urlpatterns = [
    path("", views.queue, name="queue"),
    path("holds/<int:pk>/<str:verdict>/", views.decide_hold, name="decide-hold"),
    path("requests/new/", views.request_new, name="request-new"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/<str:verdict>/", views.decide_request, name="decide-request"),
    path("reviews/", views.review_queue, name="reviews"),
    path("reviews/<int:pk>/reassess/", views.review_reassess, name="review-reassess"),
]
