from django.urls import path

from riskdesk.intel import views

app_name = "intel"

urlpatterns = [
    path("<int:pk>/profile/", views.profile, name="profile"),
    path("<int:pk>/profile/refresh/", views.refresh, name="refresh"),
    path("<int:pk>/profile/timeline/", views.timeline_partial, name="timeline"),
    path("prospects/", views.prospect_search, name="prospects"),
    path("prospects/create/", views.prospect_create, name="prospect_create"),
]
