from rest_framework import serializers

from riskdesk.policies.models import PolicyVersion


class PolicyVersionSerializer(serializers.ModelSerializer):
    author = serializers.StringRelatedField()
    published_by = serializers.StringRelatedField()

    class Meta:
        model = PolicyVersion
        fields = [
            "id",
            "number",
            "name",
            "status",
            "notes",
            "author",
            "created_at",
            "updated_at",
            "published_by",
            "published_at",
        ]
        read_only_fields = fields


class PolicyVersionDetailSerializer(PolicyVersionSerializer):
    class Meta(PolicyVersionSerializer.Meta):
        fields = [*PolicyVersionSerializer.Meta.fields, "yaml"]
        read_only_fields = fields
