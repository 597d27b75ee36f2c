"""Money as an item (元), and the protective equipment every city asked for in 2020 with its standard."""

from django.db import migrations

from supplies.models import spec_key

ITEMS = [
    # code, name, spec, standard, unit, kind
    ("cny", "人民币", "", "", "元", "money"),
    ("mask-n95", "医用防护口罩", "N95", "GB 19083-2010", "个", "goods"),
    ("mask-kn95", "颗粒物防护口罩", "KN95", "GB 2626-2006", "个", "goods"),
    ("mask-surgical", "医用外科口罩", "外科", "YY 0469-2011", "个", "goods"),
    ("mask-medical", "一次性使用医用口罩", "一次性", "YY/T 0969-2013", "个", "goods"),
    ("protective-suit", "医用一次性防护服", "防护服", "GB 19082-2009", "件", "goods"),
    ("goggles", "医用护目镜", "护目镜", "", "副", "goods"),
    ("gloves", "医用检查手套", "一次性", "GB 10213-2006", "副", "goods"),
    ("thermometer", "红外额温枪", "额温枪", "", "把", "goods"),
    ("disinfectant", "84消毒液", "500 ml", "GB/T 36758-2018", "瓶", "goods"),
]


def seed(apps, schema_editor):
    Item = apps.get_model("supplies", "Item")
    for code, name, spec, standard, unit, kind in ITEMS:
        Item.objects.get_or_create(code=code, defaults={"name": name, "spec": spec, "spec_key": spec_key(spec),
                                                        "standard": standard, "unit": unit, "kind": kind})


def unseed(apps, schema_editor):
    pass


class Migration(migrations.Migration):
    dependencies = [("supplies", "0002_ledger_append_only")]
    operations = [migrations.RunPython(seed, unseed)]
