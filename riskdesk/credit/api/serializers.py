from decimal import Decimal

from rest_framework import serializers

from riskdesk.credit.choices import HoldReason, RequestKind
from riskdesk.credit.models import CreditCheck, LimitDecision, LimitRequest


def reason_items(codes: list[str]) -> list[dict[str, str]]:
    return [{"code": code, "message": str(HoldReason(code).label)} for code in codes]


class CheckRequestSerializer(serializers.Serializer):
    customer = serializers.CharField(help_text="客户编号或统一社会信用代码 / id or USCC")
    order_reference = serializers.CharField(max_length=64)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal("0.01"))


class CreditCheckSerializer(serializers.ModelSerializer):
    check_id = serializers.IntegerField(source="pk", read_only=True)
    reasons = serializers.SerializerMethodField()
    limit = serializers.DecimalField(
        source="limit_amount", max_digits=18, decimal_places=2, read_only=True
    )

    class Meta:
        model = CreditCheck
        fields = [
            "check_id",
            "customer",
            "order_reference",
            "amount",
            "decision",
            "reasons",
            "status",
            "exposure",
            "limit",
            "created_at",
            "resolved_by",
            "resolved_at",
            "resolution_reason",
        ]
        read_only_fields = fields

    def get_reasons(self, check) -> list[dict[str, str]]:
        return reason_items(check.reasons)


class LimitDecisionSerializer(serializers.ModelSerializer):
    actor = serializers.StringRelatedField()

    class Meta:
        model = LimitDecision
        fields = ["step", "verdict", "actor", "reason", "before", "after", "created_at"]
        read_only_fields = fields


class LimitRequestSerializer(serializers.ModelSerializer):
    requested_by = serializers.StringRelatedField()
    decisions = LimitDecisionSerializer(many=True, read_only=True)

    class Meta:
        model = LimitRequest
        fields = [
            "id",
            "customer",
            "kind",
            "amount",
            "currency",
            "valid_to",
            "reason",
            "steps_required",
            "status",
            "requested_by",
            "created_at",
            "decided_at",
            "decisions",
        ]
        read_only_fields = fields


class LimitRequestCreateSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RequestKind.choices)
    amount = serializers.DecimalField(max_digits=18, decimal_places=2, min_value=Decimal(0))
    reason = serializers.CharField()
    valid_to = serializers.DateField(required=False, allow_null=True)


class DecisionSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")
