"""Two ledger-line indexes carry what their queries read, so those are answered from the index alone:
line_card_idx the quantity (a place's balance day by day, for the audit's "distributed before booked"),
line_lot_idx the place, day and quantity (what became of each gift: received, distributed, on hand)."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("supplies", "0003_items_seed"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="voucherline", name="line_card_idx"),
        migrations.AddIndex(
            model_name="voucherline",
            index=models.Index(fields=["location", "item", "occurred_on", "quantity"], name="line_card_idx"),
        ),
        migrations.RemoveIndex(model_name="voucherline", name="line_lot_idx"),
        migrations.AddIndex(
            model_name="voucherline",
            index=models.Index(fields=["donation", "item", "location", "occurred_on", "quantity"],
                               name="line_lot_idx"),
        ),
    ]
