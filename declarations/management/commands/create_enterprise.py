"""Register an enterprise with its owner account (bureau staff onboard firms this way).

    python manage.py create_enterprise NAME USCC USERNAME [--region CODE]
        [--password PASSWORD] [--email EMAIL] [--address …] [--contact-name …]
        [--contact-phone …]

The enterprise, the user and the owner membership are created in one transaction.
Without ``--region`` the region is taken from the code itself (characters 3-8 of a
统一社会信用代码 are the registering authority's division code) when that is a known
GB/T 2260 division. Without ``--password`` a password is generated and printed.
"""

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from declarations import identifiers, regions
from declarations.models import Enterprise, Membership


class Command(BaseCommand):
    help = "注册企业及其管理员账号（企业、用户、管理员身份在同一事务中创建）"

    def add_arguments(self, parser):
        parser.add_argument("name", help="企业名称")
        parser.add_argument("uscc", help="统一社会信用代码（18 位）")
        parser.add_argument("username", help="管理员的用户名")
        parser.add_argument(
            "--region",
            help="所在地区的行政区划代码（GB/T 2260，6 位，如 110105）；"
            "省略时取统一社会信用代码第 3-8 位",
        )
        parser.add_argument("--password", help="初始密码；省略时自动生成并显示")
        parser.add_argument("--email", default="", help="管理员邮箱（同时作为企业联系邮箱）")
        parser.add_argument("--address", default="", help="企业地址")
        parser.add_argument("--contact-name", default="", help="联系人")
        parser.add_argument("--contact-phone", default="", help="联系电话")

    def handle(self, *args, **options):
        name = " ".join(options["name"].split())
        if not name:
            raise CommandError("请填写企业名称")
        if len(name) > Enterprise._meta.get_field("name").max_length:
            raise CommandError("企业名称过长（最多 200 个字符）")
        try:
            uscc = identifiers.clean_uscc(options["uscc"])
        except identifiers.IdentifierError as exc:
            raise CommandError(f"{exc.message}：{options['uscc']}") from None
        existing = Enterprise.objects.filter(uscc=uscc).first()
        if existing is not None:
            raise CommandError(f"统一社会信用代码 {uscc} 已注册（{existing.name}）")

        region = (options["region"] or "").strip()
        if region:
            if not regions.is_valid(region):
                raise CommandError(
                    f"行政区划代码“{region}”不存在：应为 GB/T 2260 的 6 位代码，如 110105"
                )
        else:
            region = uscc[2:8]
            if not regions.is_valid(region):
                raise CommandError(
                    f"无法从统一社会信用代码得出所在地区（{region} 不是现行行政区划代码），"
                    "请用 --region 指定，如 --region 110105"
                )

        User = get_user_model()
        username = options["username"].strip()
        if not username:
            raise CommandError("请填写用户名")
        lookup = {f"{User.USERNAME_FIELD}__iexact": username}
        if User._default_manager.filter(**lookup).exists():
            raise CommandError(f"用户名“{username}”已存在，请换一个")
        email = options["email"].strip()
        if email:
            try:
                validate_email(email)
            except ValidationError:
                raise CommandError(f"邮箱地址“{email}”格式不正确") from None

        password = options["password"]
        generated = password is None
        if generated:
            password = secrets.token_urlsafe(12)
        else:
            try:
                validate_password(password, User(**{User.USERNAME_FIELD: username}))
            except ValidationError as exc:
                raise CommandError("密码不符合要求：" + "；".join(exc.messages)) from None

        try:
            with transaction.atomic():
                enterprise = Enterprise.objects.create(
                    name=name,
                    uscc=uscc,
                    region=region,
                    address=options["address"].strip()[:300],
                    contact_name=options["contact_name"].strip()[:60],
                    contact_phone=options["contact_phone"].strip()[:40],
                    contact_email=email,
                )
                user = User._default_manager.create_user(
                    **{User.USERNAME_FIELD: username}, email=email, password=password
                )
                Membership.objects.create(
                    user=user, enterprise=enterprise, role=Membership.Role.OWNER
                )
        except IntegrityError:
            # Another process registered the same code or name in the meantime.
            raise CommandError(f"统一社会信用代码 {uscc} 或用户名“{username}”已被占用") from None

        self.stdout.write(
            self.style.SUCCESS(
                f"已注册企业：{enterprise.name}（{uscc}，{regions.full_name(region)}），"
                f"管理员账号：{username}"
            )
        )
        if generated:
            self.stdout.write(f"初始密码（只显示这一次，请转交企业并提醒其尽快修改）：{password}")
