"""A fever at a home health check gives the grid a task of its own kind: the recheck (发热复核)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0005_notifications_moved'),
    ]

    operations = [
        migrations.AlterField(
            model_name='task',
            name='kind',
            field=models.CharField(choices=[('follow_up', 'daily follow-up'), ('verify', 'verify a contact'), ('locate', 'locate a contact'), ('transfer', 'transfer to quarantine'), ('sample', 'test sampling'), ('fever', 'fever recheck'), ('other', 'other')], max_length=12, verbose_name='type'),
        ),
    ]
