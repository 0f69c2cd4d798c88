from django.urls import re_path

from riskdesk.onboarding.api import views

urlpatterns = [
    re_path(r"^onboarding/?$", views.start, name="onboarding-start"),
    re_path(r"^onboarding/(?P<pk>\d+)/?$", views.detail, name="onboarding-detail"),
    re_path(r"^onboarding/(?P<pk>\d+)/decide/?$", views.decide, name="onboarding-decide"),
]
