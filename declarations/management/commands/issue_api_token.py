"""Issue an API token for a user; the token is printed alone on the last line.

    python manage.py issue_api_token USERNAME [--name NAME]

Tokens are Wagtail's ``APIToken``s (only a digest is stored: the plaintext is shown
once). A token can publish declarations when its user is a member of an enterprise.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wagtail.models import APIToken

from declarations.services import enterprise_of


class Command(BaseCommand):
    help = "为用户签发 API 令牌（最后一行只有令牌本身）"

    def add_arguments(self, parser):
        parser.add_argument("username", help="用户名")
        parser.add_argument("--name", default="", help="令牌名称，便于识别和撤销")

    def handle(self, *args, username, name, **options):
        User = get_user_model()
        try:
            user = User._default_manager.get(**{User.USERNAME_FIELD: username})
        except User.DoesNotExist:
            raise CommandError(f"用户“{username}”不存在") from None
        if not user.is_active:
            raise CommandError(f"用户“{username}”已停用，不能签发令牌")
        name = (name or "").strip() or f"命令行签发 {timezone.localtime():%Y-%m-%d %H:%M}"
        instance, token = APIToken.create_token(user=user, name=name[:255])
        enterprise = enterprise_of(user)
        if enterprise is None:
            self.stderr.write(f"注意：用户“{username}”不属于任何企业，此令牌不能提交声明。")
        else:
            self.stdout.write(f"企业：{enterprise.name}（{enterprise.uscc}）")
        self.stdout.write(
            f"已为“{username}”签发 API 令牌“{instance.name}”。令牌只显示这一次，请妥善保存："
        )
        self.stdout.write(token)
