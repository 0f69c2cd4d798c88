from rest_framework import serializers

from riskdesk.accounts.choices import Role
from riskdesk.intel.choices import Severity
from riskdesk.monitoring.choices import DeliveryMode


class MonitoringRuleSerializer(serializers.Serializer):
    """A rule document (users by username); validated by the model, not here."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField()
    enabled = serializers.BooleanField(required=False)
    event_types = serializers.ListField(child=serializers.CharField(), required=False)
    min_severity = serializers.ChoiceField(Severity.choices, required=False)
    include_keywords = serializers.ListField(child=serializers.CharField(), required=False)
    exclude_keywords = serializers.ListField(child=serializers.CharField(), required=False)
    customer_filter = serializers.CharField(required=False, allow_blank=True)
    provinces = serializers.ListField(child=serializers.CharField(), required=False)
    tags = serializers.ListField(child=serializers.CharField(), required=False)
    recipient_users = serializers.ListField(child=serializers.CharField(), required=False)
    recipient_roles = serializers.ListField(child=serializers.CharField(), required=False)
    notify_owner = serializers.BooleanField(required=False)
    notify_owner_manager = serializers.BooleanField(required=False)
    delivery_mode = serializers.ChoiceField(DeliveryMode.choices, required=False)
    digest_time = serializers.CharField(required=False, help_text="HH:MM")
    digest_timezone = serializers.CharField(required=False)
    digest_weekday = serializers.IntegerField(
        required=False, min_value=0, max_value=6, help_text="0 = Monday"
    )
    quiet_start = serializers.CharField(required=False, allow_null=True, help_text="HH:MM")
    quiet_end = serializers.CharField(required=False, allow_null=True, help_text="HH:MM")
    email_recipients = serializers.BooleanField(required=False)
    external_emails = serializers.ListField(child=serializers.CharField(), required=False)
    action_reassess = serializers.BooleanField(required=False)
    action_review_task = serializers.BooleanField(required=False)
    review_task_role = serializers.ChoiceField(Role.choices, required=False)
    action_credit_hold = serializers.BooleanField(required=False)
    error_count = serializers.IntegerField(read_only=True)
    last_error = serializers.CharField(read_only=True)
