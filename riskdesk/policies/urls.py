from django.urls import path

from riskdesk.policies import views

app_name = "policies"

urlpatterns = [
    path("", views.version_list, name="list"),
    path("diff/", views.version_diff, name="diff"),
    path("drafts/", views.draft_create, name="draft_create"),
    path("<int:pk>/", views.version_detail, name="detail"),
    path("<int:pk>/yaml/", views.version_yaml, name="yaml"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/archive/", views.archive, name="archive"),
]
