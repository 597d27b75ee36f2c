"""A health check's person: no index of its own, being the first column of health_check_person_day_idx; its recorder:
none (users are deactivated, never deleted), as a reading's. Two indexes fewer to write on every check, and for the
planner to weigh on each partition when a person's page reads their checks."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.db import index_drop_operation


class Migration(migrations.Migration):

    dependencies = [
        ('persons', '0013_health_checks_partitioned'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='healthcheck',
                    name='person',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='health_checks', to='persons.person'),
                ),
                migrations.AlterField(
                    model_name='healthcheck',
                    name='recorded_by',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='recorded by'),
                ),
            ],
            database_operations=[
                index_drop_operation("persons_healthcheck", [
                    ("persons_healthcheck_person_id_8314dabc", "person_id", False),
                    ("persons_healthcheck_recorded_by_id_7ebe8001", "recorded_by_id", False)]),
            ],
        ),
    ]
