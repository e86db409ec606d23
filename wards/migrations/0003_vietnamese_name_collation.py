# Names sort in Vietnamese order: the "vi" collation on the name columns. On PostgreSQL it is an ICU
# collation created here; on SQLite, a function every connection registers (wards.collation).

from django.db import migrations, models

# Frozen here rather than imported: a migration must not change when the module does.
COLLATION = "vi"
POSTGRES_LOCALE = "vi-VN-u-kn-true"


def create_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f'CREATE COLLATION IF NOT EXISTS "{COLLATION}" (provider = icu, locale = \'{POSTGRES_LOCALE}\')'
        )


def drop_collation(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f'DROP COLLATION IF EXISTS "{COLLATION}"')


class Migration(migrations.Migration):

    dependencies = [
        ('wards', '0002_review_rounds_notifications'),
    ]

    operations = [
        migrations.RunPython(create_collation, drop_collation),
        migrations.AlterField(
            model_name='district',
            name='name',
            field=models.CharField(db_collation='vi', max_length=100, verbose_name='tên'),
        ),
        migrations.AlterField(
            model_name='province',
            name='name',
            field=models.CharField(db_collation='vi', max_length=100, verbose_name='tên'),
        ),
        migrations.AlterField(
            model_name='ward',
            name='name',
            field=models.CharField(db_collation='vi', max_length=100, verbose_name='tên'),
        ),
    ]
