from django.urls import path

from riskdesk.accounts.api import views

urlpatterns = [
    path("me/", views.me, name="api-me"),
    path("token/", views.obtain_token, name="api-token"),
]
