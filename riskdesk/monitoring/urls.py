from django.urls import path

from riskdesk.monitoring import delivery_views, views

app_name = "monitoring"

urlpatterns = [
    path("alerts/", views.inbox, name="inbox"),
    path("alerts/<int:pk>/read/", views.alert_read, name="alert_read"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="alert_acknowledge"),
    path("rules/", views.rule_list, name="rules"),
    path("rules/new/", views.rule_edit, name="rule_create"),
    path("rules/check-filter/", views.rule_check_filter, name="rule_check_filter"),
    path("rules/test/", views.rule_test, name="rule_test_new"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/test/", views.rule_test, name="rule_test"),
    path("rules/<int:pk>/toggle/", views.rule_toggle, name="rule_toggle"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("holds/<int:pk>/release/", views.hold_release, name="hold_release"),
    path("reviews/", views.review_task_list, name="review_tasks"),
    path("reviews/<int:pk>/close/", views.review_task_close, name="review_task_close"),
    path("digests/", delivery_views.digest_list, name="digests"),
    path("digests/<int:pk>/", delivery_views.digest_detail, name="digest_detail"),
    path("delivery/", delivery_views.delivery_settings, name="delivery_settings"),
    path("delivery/log/", delivery_views.delivery_log, name="delivery_log"),
    path("delivery/log/retry/", delivery_views.delivery_retry_dead, name="delivery_retry_dead"),
    path("channels/new/", delivery_views.channel_edit, name="channel_create"),
    path("channels/<int:pk>/", delivery_views.channel_edit, name="channel_edit"),
]
