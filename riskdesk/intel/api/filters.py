import django_filters

from riskdesk.intel.choices import SEVERITY_RANK, Dimension, Severity
from riskdesk.intel.models import ChangeEvent


class ChangeEventFilter(django_filters.FilterSet):
    type = django_filters.CharFilter()
    dimension = django_filters.ChoiceFilter(choices=Dimension.choices)
    min_severity = django_filters.ChoiceFilter(
        choices=Severity.choices, method="filter_min_severity"
    )
    since = django_filters.DateFilter(field_name="as_of", lookup_expr="gte")
    until = django_filters.DateFilter(field_name="as_of", lookup_expr="lte")

    class Meta:
        model = ChangeEvent
        fields = ["customer", "type", "dimension", "severity"]

    def filter_min_severity(self, queryset, name, value):
        return queryset.filter(severity_rank__gte=SEVERITY_RANK[value])
