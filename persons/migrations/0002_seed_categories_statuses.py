"""The categories and management statuses the reports need, as data (administrators may add more)."""

from django.db import migrations

CATEGORIES = [
    # code, Chinese, English, period (days)
    ("hubei", "涉鄂人员", "arrived from Hubei", 14),
    ("wuhan", "涉汉人员", "arrived from Wuhan", 14),
    ("abroad", "境外人员", "abroad, registered here", 14),
    ("planning_return", "拟返娄人员", "planning to return", 14),
    ("overseas_returnee", "境外返娄人员", "returned from abroad", 14),
    ("close_contact", "密切接触者", "close contact", 14),
    ("secondary_contact", "次密切接触者", "contact of a close contact", 14),
    ("confirmed", "确诊病例", "confirmed case", 14),
    ("suspected", "疑似病例", "suspected case", 14),
    ("asymptomatic", "无症状感染者", "asymptomatic infection", 14),
    ("fever", "发热病人", "fever patient", 14),
]

STATUSES = [
    # code, Chinese, English, needs_site, needs_checks, is_release
    ("home_quarantine", "居家隔离", "home quarantine", False, True, False),
    ("central_quarantine", "集中隔离", "centralised quarantine", True, True, False),
    ("hospital", "住院治疗", "in hospital", False, False, False),
    ("home_monitoring", "居家健康监测", "health monitoring at home", False, True, False),
    ("released", "解除管理", "released from management", False, False, True),
]


def seed(apps, schema_editor):
    Category = apps.get_model("persons", "Category")
    ManagementStatus = apps.get_model("persons", "ManagementStatus")
    for order, (code, zh, en, days) in enumerate(CATEGORIES):
        Category.objects.update_or_create(code=code, defaults={"name_zh": zh, "name_en": en, "period_days": days,
                                                               "order": order})
    for order, (code, zh, en, site, checks, release) in enumerate(STATUSES):
        ManagementStatus.objects.update_or_create(code=code, defaults={
            "name_zh": zh, "name_en": en, "needs_site": site, "needs_checks": checks, "is_release": release,
            "order": order})


class Migration(migrations.Migration):
    dependencies = [("persons", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
