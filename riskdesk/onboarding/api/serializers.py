from rest_framework import serializers


class StartAdmissionSerializer(serializers.Serializer):
    uscc = serializers.CharField(required=False, allow_blank=True, max_length=18)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    owner = serializers.CharField(
        required=False, allow_blank=True, help_text="客户经理用户名 / owner's username"
    )

    def validate(self, attrs):
        if not (attrs.get("uscc") or attrs.get("name")):
            raise serializers.ValidationError("请提供 uscc 或 name / Give uscc or name.")
        return attrs


class DecideAdmissionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(allow_blank=True, default="")
