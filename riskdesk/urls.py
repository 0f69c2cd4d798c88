from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from riskdesk.accounts import views as account_views

admin.site.site_header = "riskdesk 管理后台"
admin.site.site_title = "riskdesk"

urlpatterns = [
    path("", include("riskdesk.web.urls")),
    path("customers/", include("riskdesk.customers.urls")),
    path("customers/", include("riskdesk.intel.urls")),
    path("accounts/", include("riskdesk.accounts.urls")),
    path("policies/", include("riskdesk.policies.urls")),
    path("assessments/", include("riskdesk.assessments.urls")),
    path("monitoring/", include("riskdesk.monitoring.urls")),
    path("credit/", include("riskdesk.credit.urls")),
    path("onboarding/", include("riskdesk.onboarding.urls")),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/", include("riskdesk.customers.api.urls")),
    path("api/", include("riskdesk.accounts.api.urls")),
    path("api/intel/", include("riskdesk.intel.api.urls")),
    path("api/", include("riskdesk.policies.api.urls")),
    path("api/", include("riskdesk.assessments.api.urls")),
    path("api/credit/", include("riskdesk.credit.api.urls")),
    path("api/", include("riskdesk.onboarding.api.urls")),
    path("api/monitoring/", include("riskdesk.monitoring.api.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"),
]
