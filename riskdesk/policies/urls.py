from django.urls import path

from riskdesk.policies import editor_views, views

app_name = "policies"

urlpatterns = [
    path("", views.version_list, name="list"),
    path("diff/", views.version_diff, name="diff"),
    path("drafts/", views.draft_create, name="draft_create"),
    path("<int:pk>/", views.version_detail, name="detail"),
    path("<int:pk>/yaml/", views.version_yaml, name="yaml"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/archive/", views.archive, name="archive"),
    path("<int:pk>/trial/", views.trial_page, name="trial"),
    path("<int:pk>/trial/customers/", views.trial_customers, name="trial_customers"),
    path("<int:pk>/edit/validate/", editor_views.validate_expression, name="validate"),
    path("<int:pk>/edit/condition/", editor_views.condition_widget, name="condition"),
    path("<int:pk>/edit/credit-settings/", editor_views.credit_settings, name="credit_settings"),
    path(
        "<int:pk>/edit/scorecard-settings/",
        editor_views.scorecard_settings,
        name="scorecard_settings",
    ),
    path("<int:pk>/edit/<slug:section>/", editor_views.section_page, name="section"),
    path("<int:pk>/edit/<slug:section>/new/", editor_views.item_edit, name="item_new"),
    path("<int:pk>/edit/<slug:section>/reorder/", editor_views.reorder, name="reorder"),
    path("<int:pk>/edit/<slug:section>/<int:index>/", editor_views.item_edit, name="item_edit"),
    path(
        "<int:pk>/edit/<slug:section>/<int:index>/delete/",
        editor_views.item_delete,
        name="item_delete",
    ),
    path(
        "<int:pk>/edit/<slug:section>/<int:index>/move/",
        editor_views.item_move,
        name="item_move",
    ),
]
