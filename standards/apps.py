from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StandardsConfig(AppConfig):
    name = "standards"
    verbose_name = _("标准目录")
    default_auto_field = "django.db.models.BigAutoField"
