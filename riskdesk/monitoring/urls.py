from django.urls import path

from riskdesk.monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/<int:pk>/read/", views.alert_read, name="alert_read"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
]
