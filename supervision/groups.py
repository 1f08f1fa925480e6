"""The staff groups of the bureau and what each may do.

Created by the data migration ``0002_staff_groups`` and again, at any time, by
``python manage.py supervision_groups``. Both only add what is missing: a group's
existing permissions are never taken away, so changes made in Settings → Groups stay.

* 标准目录编辑 (catalogue editors): the catalogue snippets (standards, supersessions,
  ICS classes: add, change, view), every permission of the announcement models that
  exist when this runs (``standards`` models whose name contains "announcement"), and
  viewing catalogue changes.
* 声明审查员 (reviewers): see declarations and the review queue, record reviews,
  handle complaints.
* 监督管理员 (supervisors): everything reviewers may, plus cases (open, edit, close),
  双随机 draws, the dashboard and the reports.
* 监督检查员 (inspectors): see declarations, draws and cases; with the supervisors,
  they are the pool inspectors are drawn from.

Every group may open the Wagtail admin (``wagtailadmin.access_admin``). Announcement
models added after the migration ran are picked up by running the command again.
"""

import fnmatch

CATALOGUE_EDITORS = "标准目录编辑"
REVIEWERS = "声明审查员"
SUPERVISORS = "监督管理员"
INSPECTORS = "监督检查员"

#: Who can be drawn as an inspector in a 双随机 draw (active users of these groups).
INSPECTOR_GROUPS = (INSPECTORS, SUPERVISORS)

_ADMIN = ["wagtailadmin.access_admin"]
_REVIEW = [
    "declarations.view_declaration",
    "declarations.view_enterprise",
    "supervision.add_reviewrecord",
    "supervision.view_reviewrecord",
    "supervision.view_complaint",
    "supervision.change_complaint",
]

GROUPS: dict[str, list[str]] = {
    CATALOGUE_EDITORS: _ADMIN
    + [
        f"standards.{action}_{model}"
        for model in ("standard", "supersession", "icsclass")
        for action in ("add", "change", "view")
    ]
    + ["standards.*announcement*", "standards.view_cataloguechange"],
    REVIEWERS: _ADMIN + _REVIEW,
    SUPERVISORS: _ADMIN
    + _REVIEW
    + [
        "supervision.add_case",
        "supervision.change_case",
        "supervision.view_case",
        "supervision.close_case",
        "supervision.view_dashboard",
        "supervision.add_spotcheckdraw",
        "supervision.view_spotcheckdraw",
    ],
    INSPECTORS: _ADMIN
    + [
        "declarations.view_declaration",
        "declarations.view_enterprise",
        "supervision.view_spotcheckdraw",
        "supervision.view_case",
    ],
}


def _resolve(Permission, spec: str) -> list:
    app_label, _dot, codename = spec.partition(".")
    found = Permission.objects.filter(content_type__app_label=app_label)
    if any(c in codename for c in "*?["):
        return [p for p in found if fnmatch.fnmatchcase(p.codename, codename)]
    return list(found.filter(codename=codename))


def ensure_groups(apps=None) -> dict[str, list[str]]:
    """Create the groups and add their permissions that exist; returns what each has
    been given (``app_label.codename``), for the command's summary."""
    if apps is None:
        from django.apps import apps
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    granted = {}
    for name, specs in GROUPS.items():
        group, _created = Group.objects.get_or_create(name=name)
        perms = []
        for spec in specs:
            perms += _resolve(Permission, spec)
        group.permissions.add(*perms)
        granted[name] = sorted(f"{p.content_type.app_label}.{p.codename}" for p in perms)
    return granted
