"""The default fever rule as data: 37.3 °C (FEVER_THRESHOLD), a recheck after 10 minutes, the standard
exposure-history questions. Sites override it with their own row."""

from decimal import Decimal

from django.conf import settings
from django.db import migrations

QUESTIONS = [
    {"key": "hospital", "zh": "近14天是否去过医院（就诊、陪护或探视）？",
     "en": "Visited a hospital in the last 14 days (as a patient, carer or visitor)?"},
    {"key": "case_contact", "zh": "近14天是否接触过确诊病例、疑似病例或无症状感染者？",
     "en": "Contact with a confirmed, suspected or asymptomatic case in the last 14 days?"},
    {"key": "fever_contact", "zh": "近14天是否接触过发热或有呼吸道症状的人？",
     "en": "Contact with people with fever or respiratory symptoms in the last 14 days?"},
    {"key": "travel", "zh": "近14天是否离开本市，或到过湖北等中高风险地区？",
     "en": "Left the city, or visited Hubei or another higher-risk area, in the last 14 days?"},
]


def seed(apps, schema_editor):
    FeverRule = apps.get_model("checkpoints", "FeverRule")
    if not FeverRule.objects.filter(site__isnull=True).exists():
        FeverRule.objects.create(site=None, unit_path="", threshold=Decimal(str(settings.FEVER_THRESHOLD)),
                                 recheck_minutes=10, questions=QUESTIONS)


class Migration(migrations.Migration):
    dependencies = [("checkpoints", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
