from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeclarationsConfig(AppConfig):
    name = "declarations"
    verbose_name = _("企业标准自我声明")
    default_auto_field = "django.db.models.BigAutoField"
