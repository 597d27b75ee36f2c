"""Which passages need a temperature: by default, and for the rules already kept, every entry."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('checkpoints', '0003_device_own_key'),
    ]

    operations = [
        migrations.AddField(
            model_name='feverrule',
            name='temperature_required',
            field=models.CharField(choices=[('entries', 'at every entry'), ('always', 'at every entry and exit'), ('never', 'not required')], default='entries', max_length=8, verbose_name='temperature required'),
        ),
    ]
