"""The audit log's actor and object type, and a notification's recipient: no index of their own, each being the first
column of a composite index (audit_actor_idx, audit_object_idx, core_notification_unread_idx). One index fewer to
write on tables that nearly every request adds to, and fewer for the planner to weigh on each partition."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

from core.db import index_drop_operation


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0010_rate_counts'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name='auditentry',
                    name='actor',
                    field=models.ForeignKey(blank=True, db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='actor'),
                ),
                migrations.AlterField(
                    model_name='auditentry',
                    name='object_type',
                    field=models.CharField(blank=True, max_length=100, verbose_name='object type'),
                ),
                migrations.AlterField(
                    model_name='notification',
                    name='recipient',
                    field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[
                index_drop_operation("core_auditentry", [("core_auditentry_actor_id_d8248cee", "actor_id", False),
                                                         ("core_auditentry_object_type_fca61eb3", "object_type", True)]),
                index_drop_operation("core_notification", [("core_notification_recipient_id_24a3d95c", "recipient_id",
                                                            False)]),
            ],
        ),
    ]
