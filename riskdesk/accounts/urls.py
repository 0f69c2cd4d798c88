from django.urls import path

from riskdesk.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("token/create/", views.create_token, name="token_create"),
    path("token/revoke/", views.revoke_token, name="token_revoke"),
]
