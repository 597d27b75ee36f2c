"""The database refuses a fever saved as "seen, well" (persons.health_checks)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("persons", "0006_health_check_fever_not_well"),
    ]

    operations = [
        migrations.AddConstraint(
            model_name="healthcheck",
            constraint=models.CheckConstraint(condition=models.Q(("flagged", True), ("result", "well"), _negated=True),
                                              name="health_check_fever_not_well"),
        ),
    ]
