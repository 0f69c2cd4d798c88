from rest_framework import serializers

from riskdesk.assessments.models import Assessment


class AssessmentSerializer(serializers.ModelSerializer):
    policy_version = serializers.SlugRelatedField(slug_field="number", read_only=True)
    actor = serializers.StringRelatedField()

    class Meta:
        model = Assessment
        fields = [
            "id",
            "customer",
            "policy_version",
            "as_of",
            "trigger",
            "actor",
            "batch_run",
            "admission",
            "grade",
            "list",
            "score",
            "proposed_limit",
            "outputs",
            "created_at",
        ]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    trace = serializers.SerializerMethodField()

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "features", "trace"]
        read_only_fields = fields

    def get_trace(self, assessment) -> list[dict]:
        from riskdesk.assessments.services import assessment_trace

        return assessment_trace(assessment)


class AssessRequestSerializer(serializers.Serializer):
    customer = serializers.IntegerField()
