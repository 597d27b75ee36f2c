"""A fever is never "seen, well": checks already stored so (flagged, result well) become "seen, with symptoms"
with 发热 among their symptoms (0007 then has the database refuse the combination)."""

from django.db import migrations


def fevers_not_well(apps, schema_editor):
    HealthCheck = apps.get_model("persons", "HealthCheck")
    wrong = HealthCheck.objects.filter(flagged=True, result="well").only("id", "symptoms")
    for check in list(wrong):  # ids and symptoms only: small even for many
        symptoms = list(check.symptoms or [])
        if "fever" not in symptoms:
            symptoms.insert(0, "fever")
        HealthCheck.objects.filter(pk=check.pk).update(result="symptoms", symptoms=symptoms)


class Migration(migrations.Migration):

    dependencies = [
        ("persons", "0005_retention_disclosure"),
    ]

    operations = [
        migrations.RunPython(fevers_not_well, migrations.RunPython.noop),
    ]
