from rest_framework import serializers

from riskdesk.accounts.models import Team, User
from riskdesk.customers.models import Customer, Invoice, Order, Payment, PaymentAllocation


class CustomerSerializer(serializers.ModelSerializer):
    owner = serializers.SlugRelatedField(
        slug_field="username", queryset=User.objects.all(), allow_null=True, required=False
    )
    team = serializers.SlugRelatedField(
        slug_field="name", queryset=Team.objects.all(), allow_null=True, required=False
    )
    tags = serializers.ListField(
        child=serializers.CharField(max_length=50), required=False, write_only=True
    )
    tag_names = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "uscc",
            "owner",
            "team",
            "tags",
            "tag_names",
            "industry",
            "province",
            "city",
            "status",
            "external_id",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]
        # Uniqueness is enforced by the model and the service, with bilingual messages.
        extra_kwargs = {"uscc": {"validators": []}, "external_id": {"validators": []}}

    def get_tag_names(self, customer) -> list[str]:
        return [tag.name for tag in customer.tags.all()]


class OrderSerializer(serializers.ModelSerializer):
    class Meta:
        model = Order
        fields = ["id", "customer", "number", "order_date", "amount", "currency", "status"]


class InvoiceSerializer(serializers.ModelSerializer):
    outstanding = serializers.DecimalField(max_digits=18, decimal_places=2, read_only=True)

    class Meta:
        model = Invoice
        fields = [
            "id",
            "customer",
            "number",
            "issue_date",
            "due_date",
            "amount",
            "paid_amount",
            "paid_date",
            "outstanding",
            "currency",
            "status",
        ]


class AllocationSerializer(serializers.ModelSerializer):
    invoice = serializers.SlugRelatedField(slug_field="number", read_only=True)

    class Meta:
        model = PaymentAllocation
        fields = ["invoice", "amount"]


class PaymentSerializer(serializers.ModelSerializer):
    allocations = AllocationSerializer(many=True, read_only=True)

    class Meta:
        model = Payment
        fields = ["id", "customer", "number", "payment_date", "amount", "currency", "allocations"]


class ImportRequestSerializer(serializers.Serializer):
    file = serializers.FileField()
    dry_run = serializers.BooleanField(default=False)
    valid_only = serializers.BooleanField(default=False)
    encoding = serializers.ChoiceField(
        choices=["utf-8", "utf-8-sig", "gbk", "gb18030", "big5", "utf-16"], required=False
    )


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField()
    column = serializers.CharField()
    value = serializers.CharField()
    code = serializers.CharField()
    message = serializers.CharField()


class ImportResultSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    kind = serializers.CharField()
    dry_run = serializers.BooleanField()
    applied = serializers.BooleanField()
    total_rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    skipped = serializers.IntegerField()
    encoding = serializers.CharField()
    errors = RowErrorSerializer(many=True)
