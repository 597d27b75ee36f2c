"""A device's key becomes a credential of the device alone: the key hashes of the devices' API tokens move onto
the devices, and those tokens (issued to the registering officers) are revoked, so the same key no longer opens
the rest of the API as the officer."""

from django.db import migrations, models
from django.utils import timezone


def keys_to_devices(apps, schema_editor):
    Device = apps.get_model("checkpoints", "Device")
    ApiToken = apps.get_model("accounts", "ApiToken")
    now = timezone.now()
    for device in Device.objects.filter(token__isnull=False).select_related("token"):
        token = device.token
        if token.revoked_at is None and device.active:
            device.key_hash, device.key_prefix, device.key_issued_at = token.key_hash, token.prefix, token.created_at
            device.last_used_at = token.last_used_at
            device.save(update_fields=["key_hash", "key_prefix", "key_issued_at", "last_used_at"])
        if token.revoked_at is None:
            ApiToken.objects.filter(pk=token.pk).update(revoked_at=now)


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_alter_apitoken_created_at"),
        ("checkpoints", "0002_default_fever_rule"),
    ]

    operations = [
        migrations.AddField(
            model_name="device",
            name="key_hash",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
        migrations.AddField(
            model_name="device",
            name="key_prefix",
            field=models.CharField(blank=True, max_length=12, verbose_name="key prefix"),
        ),
        migrations.AddField(
            model_name="device",
            name="key_issued_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="key issued"),
        ),
        migrations.AddField(
            model_name="device",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last used"),
        ),
        migrations.RunPython(keys_to_devices, migrations.RunPython.noop),
        migrations.RemoveField(
            model_name="device",
            name="token",
        ),
    ]
