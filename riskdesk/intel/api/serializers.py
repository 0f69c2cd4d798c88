import json

from rest_framework import serializers

from riskdesk.intel.models import ChangeEvent, DossierSnapshot


class SnapshotSerializer(serializers.ModelSerializer):
    dossier = serializers.SerializerMethodField()

    class Meta:
        model = DossierSnapshot
        fields = [
            "id",
            "customer",
            "provider_id",
            "content_hash",
            "schema_version",
            "as_of",
            "fetched_at",
            "checked_at",
            "checked_as_of",
            "check_count",
            "section_sources",
            "dossier",
        ]

    def get_dossier(self, snapshot: DossierSnapshot) -> dict:
        return json.loads(snapshot.content)


class ChangeEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = ChangeEvent
        fields = [
            "id",
            "customer",
            "type",
            "dimension",
            "severity",
            "title_zh",
            "title_en",
            "text_zh",
            "text_en",
            "before",
            "after",
            "item_id",
            "occurred_on",
            "as_of",
            "provider_id",
            "source_snapshot",
            "dedup_key",
            "detected_at",
        ]


class RefreshRequestSerializer(serializers.Serializer):
    force = serializers.BooleanField(default=True)
    provider_id = serializers.CharField(required=False, allow_null=True, default=None)


class JobSerializer(serializers.Serializer):
    job_id = serializers.IntegerField()
    progress_url = serializers.CharField()


class ProspectCandidateSerializer(serializers.Serializer):
    name = serializers.CharField()
    uscc = serializers.CharField()
    status = serializers.CharField(allow_null=True)
    province = serializers.CharField(allow_null=True)
    customer_id = serializers.IntegerField(allow_null=True)
    registered_elsewhere = serializers.BooleanField()


class ProspectCreateSerializer(serializers.Serializer):
    uscc = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=200)
