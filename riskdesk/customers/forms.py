from django import forms
from django.utils.translation import gettext_lazy as _

from riskdesk.customers.imports.specs import SPECS

ENCODINGS = [
    ("", _("自动识别（UTF-8 / GBK）")),
    ("utf-8", "UTF-8"),
    ("gbk", "GBK"),
    ("gb18030", "GB18030"),
    ("big5", "Big5"),
]


class ImportUploadForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("数据类型"), choices=[(s.kind, s.label_zh) for s in SPECS.values()]
    )
    file = forms.FileField(label=_("文件（.xlsx 或 .csv）"))
    encoding = forms.ChoiceField(label=_("CSV 编码"), choices=ENCODINGS, required=False)
    valid_only = forms.BooleanField(label=_("仅导入有效行（跳过有错误的行）"), required=False)
