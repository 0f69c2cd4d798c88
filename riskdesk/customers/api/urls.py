from django.urls import path, register_converter
from rest_framework.routers import DefaultRouter

from riskdesk.customers.api import views
from riskdesk.customers.imports.specs import SPECS


class ImportKindConverter:
    regex = "|".join(SPECS)

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ImportKindConverter, "import_kind")

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("orders", views.OrderViewSet, basename="order")
router.register("invoices", views.InvoiceViewSet, basename="invoice")
router.register("payments", views.PaymentViewSet, basename="payment")

urlpatterns = [
    *router.urls,
    path("imports/<import_kind:kind>/", views.ImportView.as_view(), name="api-import"),
    path(
        "imports/<import_kind:kind>/template/",
        views.ImportTemplateView.as_view(),
        name="api-import-template",
    ),
]
