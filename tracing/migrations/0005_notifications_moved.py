"""The old outbox tables go (their rows are in core's since 0004)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('tracing', '0004_notifications_to_core'),
    ]

    operations = [
        migrations.DeleteModel(name='Delivery'),
        migrations.DeleteModel(name='Notification'),
    ]
