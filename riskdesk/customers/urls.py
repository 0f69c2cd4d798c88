from django.urls import path

from riskdesk.customers import views
from riskdesk.customers.api.urls import ImportKindConverter  # noqa: F401  (registers the converter)

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.xlsx", views.customer_export, name="export"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_preview, name="import_preview"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path(
        "import/template/<import_kind:kind>.xlsx",
        views.import_template_download,
        name="import_template",
    ),
]
