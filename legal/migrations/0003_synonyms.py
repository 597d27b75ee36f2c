from django.db import migrations

# Words people use for the same thing on the hotline; administrators add more on the synonyms page.
GROUPS = [
    "房东 出租人 业主",
    "房租 租金",
    "减免 减少 免除 减半",
    "商铺 店铺 门店 商户",
    "承租人 租户 租客",
    "工资 薪酬 劳动报酬 薪水",
    "隔离 隔离观察",
    "隐瞒 瞒报 谎报",
    "解除 解约",
    "口罩 防护口罩",
    "哄抬物价 涨价",
    "谣言 造谣",
]


def seed(apps, schema_editor):
    SynonymGroup = apps.get_model("legal", "SynonymGroup")
    for words in GROUPS:
        SynonymGroup.objects.get_or_create(words=words)


def unseed(apps, schema_editor):
    apps.get_model("legal", "SynonymGroup").objects.filter(words__in=GROUPS).delete()


class Migration(migrations.Migration):
    dependencies = [("legal", "0002_search_index")]

    operations = [migrations.RunPython(seed, unseed)]
