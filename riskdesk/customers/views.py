from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from riskdesk.accounts import permissions
from riskdesk.customers import services
from riskdesk.customers.api.views import xlsx_response
from riskdesk.customers.exports import import_template
from riskdesk.customers.filters import CustomerFilter
from riskdesk.customers.forms import ImportUploadForm
from riskdesk.customers.imports.specs import SPECS
from riskdesk.customers.models import Customer, ImportBatch

PAGE_SIZE = 50


def _filtered(request):
    """The user's customers narrowed by the list filters; an invalid filter shows no rows."""
    queryset = Customer.objects.restrict(request.user, "view").select_related("owner", "team")
    params = request.GET.copy()
    for key in list(params):
        values = [value for value in params.getlist(key) if value.strip()]
        if values:
            params.setlist(key, values)
        else:
            del params[key]
    params.pop("page", None)
    filterset = CustomerFilter(params, queryset=queryset.order_by("name", "pk"))
    if not filterset.is_valid():
        return filterset, queryset.none()
    return filterset, filterset.qs


@login_required
@require_GET
def customer_list(request):
    filterset, queryset = _filtered(request)
    page = Paginator(queryset.prefetch_related("tags"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unsorted = query.copy()
    unsorted.pop("sort", None)
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "unsorted_query": unsorted.urlencode(),
        "nav": "customers",
        "sort": request.GET.get("sort", ""),
    }
    template = "customers/_table.html" if request.htmx else "customers/list.html"
    return render(request, template, context)


@login_required
@require_GET
def customer_export(request):
    _filterset, queryset = _filtered(request)
    content = services.export_customers(queryset=queryset, actor=request.user)
    return xlsx_response(content, "customers.xlsx")


@login_required
@require_GET
def customer_detail(request, pk: int):
    customer = get_object_or_404(
        Customer.objects.restrict(request.user, "view").select_related("owner", "team"), pk=pk
    )
    context = {
        "customer": customer,
        "facts": services.trading_summary(customer=customer),
        "orders": customer.orders.all()[:20],
        "invoices": customer.invoices.all()[:20],
        "payments": customer.payments.prefetch_related("allocations__invoice")[:20],
        "tab": request.GET.get("tab", "invoices"),
        "nav": "customers",
        "history": customer.history.select_related("history_user")[:10],
    }
    return render(request, "customers/detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request):
    if not permissions.may(request.user, "import"):
        raise PermissionDenied
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        batch = services.stage_import(
            kind=form.cleaned_data["kind"],
            content=upload.read(),
            filename=upload.name,
            actor=request.user,
            valid_only=form.cleaned_data["valid_only"],
            encoding=form.cleaned_data["encoding"] or None,
        )
        return redirect("customers:import_preview", pk=batch.pk)
    return render(request, "customers/import.html", {"form": form, "specs": SPECS, "nav": "import"})


@login_required
@require_GET
def import_preview(request, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk, created_by=request.user)
    context = {"batch": batch, "preview": batch.preview, "spec": SPECS[batch.kind], "nav": "import"}
    return render(request, "customers/import_preview.html", context)


@login_required
@require_POST
def import_confirm(request, pk: int):
    batch = get_object_or_404(ImportBatch, pk=pk, created_by=request.user, applied_at__isnull=True)
    result = services.confirm_import(batch=batch, actor=request.user)
    if result.applied:
        messages.success(
            request,
            _(
                "导入完成：新增 %(created)s 条，更新 %(updated)s 条 / "
                "Imported: %(created)s created, %(updated)s updated."
            )
            % {"created": result.created, "updated": result.updated},
        )
        return redirect("customers:list" if batch.kind == "customers" else "customers:import")
    messages.error(request, _("导入未执行：数据有误 / Nothing imported: the file has errors."))
    return redirect("customers:import_preview", pk=batch.pk)


@login_required
@require_GET
def import_template_download(request, kind: str) -> HttpResponse:
    return xlsx_response(import_template(kind), f"riskdesk-{kind}-template.xlsx")
