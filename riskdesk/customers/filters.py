"""One filter set for the customer list page, its Excel export and the API."""

import django_filters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from riskdesk.accounts.models import Team, User
from riskdesk.customers.choices import INDUSTRY_SECTIONS, PROVINCES, CustomerStatus
from riskdesk.customers.models import Customer, Tag

SORTS = {
    "name": "name",
    "-name": "-name",
    "province": "province",
    "-province": "-province",
    "industry": "industry",
    "-industry": "-industry",
    "created": "created_at",
    "-created": "-created_at",
    "updated": "updated_at",
    "-updated": "-updated_at",
}


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("搜索"))
    owner = django_filters.ModelChoiceFilter(
        queryset=User.objects.filter(is_active=True).order_by("username"),
        label=_("客户经理"),
        to_field_name="username",
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("团队"))
    industry = django_filters.ChoiceFilter(
        choices=[(name, name) for name in INDUSTRY_SECTIONS.values()], label=_("行业")
    )
    province = django_filters.ChoiceFilter(choices=[(p, p) for p in PROVINCES], label=_("省份"))
    tags = django_filters.ModelMultipleChoiceFilter(
        queryset=Tag.objects.all(), to_field_name="name", label=_("标签")
    )
    status = django_filters.ChoiceFilter(choices=CustomerStatus.choices, label=_("状态"))
    sort = django_filters.ChoiceFilter(
        choices=[(key, key) for key in SORTS], method="sort_by", label=_("排序")
    )

    class Meta:
        model = Customer
        fields = ["q", "owner", "team", "industry", "province", "tags", "status"]

    def search(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value) | Q(uscc__iexact=value.upper()) | Q(external_id__iexact=value)
        )

    def sort_by(self, queryset, name, value):
        return queryset.order_by(SORTS[value], "pk")
