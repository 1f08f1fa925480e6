"""Background tasks of the catalogue (django-tasks)."""

import datetime

from django_tasks import task


@task()
def process_due_changes_task(today: str | None = None) -> dict:
    """Announce the catalogue changes whose date has come (``today``: ISO date)."""
    from standards.announcements import process_due_changes

    day = datetime.date.fromisoformat(today) if today else None
    return process_due_changes(today=day)
