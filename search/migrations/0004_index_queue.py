"""The durable index queue (search.models): pending writes to a search engine outside
the database, and the replay lease. Numbered after 0003_postgres (the PostgreSQL
tables of the database backend) so that the app's migrations stay one line."""

import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("search", "0003_postgres")]

    operations = [
        migrations.CreateModel(
            name="IndexReplayLock",
            fields=[
                ("using", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("holder", models.CharField(blank=True, max_length=64)),
                ("expires", models.DateTimeField(blank=True, null=True)),
                ("retry_at", models.DateTimeField(blank=True, null=True)),
            ],
        ),
        migrations.CreateModel(
            name="IndexQueue",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("using", models.CharField(default="default", max_length=64)),
                ("model", models.CharField(max_length=100)),
                ("object_id", models.CharField(max_length=64)),
                (
                    "action",
                    models.CharField(
                        choices=[("update", "update"), ("remove", "remove")],
                        default="update",
                        max_length=8,
                    ),
                ),
                ("queued_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("attempts", models.PositiveIntegerField(default=0)),
                ("next_attempt", models.DateTimeField(default=django.utils.timezone.now)),
                ("last_error", models.TextField(blank=True)),
            ],
            options={
                "verbose_name": "index queue entry",
                "verbose_name_plural": "index queue",
                "indexes": [
                    models.Index(fields=["using", "next_attempt"], name="search_queue_due")
                ],
            },
        ),
    ]
