"""Enterprise accounts: sign-up, login, logout, the account page (details, members, API
tokens) and the region picker's data.

These are the firms' accounts, not Wagtail admin users: a user acts for at most one
enterprise through ``Membership`` (owner or member). Sign-up and login are rate
limited per IP address (login: per IP address and user name) with the cache.
"""

import hashlib
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm, SetPasswordForm
from django.core.cache import cache
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from wagtail.models import APIToken

from declarations import regions
from declarations.forms import ContactForm, MemberForm, RegionSelect, SignupForm, TokenForm

# -- rate limits -----------------------------------------------------------------------------


#: Limits that hold even when settings leave the scope out (public complaints).
DEFAULT_RATES = {"complaint": "5/h"}


def _rate(scope: str) -> tuple[int, int]:
    """(attempts, seconds) allowed for ``scope`` from settings, e.g. ``"5/m"``."""
    spec = getattr(settings, "DECLARATIONS_RATE_LIMITS", {}).get(scope) or DEFAULT_RATES.get(
        scope, ""
    )
    if not spec:
        return 0, 0
    count, _slash, unit = spec.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(unit[:1] or "m", 60)
    return int(count), seconds


def client_ip(request) -> str:
    """The client's address. Behind a proxy, set the proxy to pass REMOTE_ADDR on."""
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(scope: str, identity: str) -> bool:
    """Count one attempt for ``identity``; False once the scope's limit is passed."""
    limit, seconds = _rate(scope)
    if not limit:
        return True
    window = int(time.time() // seconds)
    digest = hashlib.sha256(identity.encode()).hexdigest()[:32]
    key = f"ratelimit:{scope}:{digest}:{window}"
    if cache.add(key, 1, seconds + 1):
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, seconds + 1)
        count = 1
    return count <= limit


def _too_many() -> str:
    return _("尝试次数过多，请稍等一分钟后再试。")


# -- access ----------------------------------------------------------------------------------


def membership_or_none(request):
    return getattr(request.user, "membership", None) if request.user.is_authenticated else None


def no_enterprise(request):
    """What a logged-in user without an enterprise (e.g. bureau staff) sees: 403."""
    return render(request, "declarations/account/no_enterprise.html", status=403)


def enterprise_required(view):
    """Logged in, and acting for an enterprise; passes ``membership`` to the view."""

    @login_required
    def wrapped(request, *args, **kwargs):
        membership = membership_or_none(request)
        if membership is None:
            return no_enterprise(request)
        return view(request, membership, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


# -- sign-up, login, logout -----------------------------------------------------------------


def signup(request):
    if request.user.is_authenticated and membership_or_none(request):
        return redirect("declarations:account")
    status = 200
    if request.method == "POST":
        if "region_step" in request.POST:
            # Without JavaScript: a region level was chosen, show the next one.
            form = SignupForm(initial=request.POST.dict())
            form.region_step = True
        elif not allow("signup", client_ip(request)):
            form = SignupForm(request.POST)
            form.errors.clear()
            form.add_error(None, _too_many())
            status = 429
        else:
            form = SignupForm(request.POST)
            if form.is_valid():
                user = form.save()
                if user is not None:
                    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
                    messages.success(
                        request,
                        _("注册成功。现在可以填写第一份自我声明了。"),
                    )
                    return redirect("declarations:new")
    else:
        form = SignupForm()
    return render(
        request,
        "declarations/account/signup.html",
        {"form": form, "region_fields": [form[f] for f in RegionSelect.FIELDS]},
        status=status,
    )


class LoginView(auth_views.LoginView):
    template_name = "declarations/account/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        username = (request.POST.get("username") or "").strip().lower()[:150]
        if not allow("login", f"{client_ip(request)}|{username}"):
            form = self.get_form_class()(request, initial={"username": username})
            context = self.get_context_data(form=form, blocked=_too_many())
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class LogoutView(auth_views.LogoutView):
    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("您已退出登录"))
        return response


@require_GET
def region_children(request):
    """The divisions under ``?parent=`` (none: the provinces), for the region picker."""
    parent = request.GET.get("parent") or None
    if parent is not None and not regions.is_valid(parent):
        raise Http404
    return JsonResponse(
        {
            "results": [
                {"code": code, "name": name, "leaf": not regions.children(code)}
                for code, name in regions.children(parent)
            ]
        }
    )


# -- account page ---------------------------------------------------------------------------


def _tokens_for(membership):
    """API tokens the user may see: the owner sees every member's, a member their own."""
    tokens = APIToken.objects.select_related("user").order_by("revoked_at", "-created")
    if membership.is_owner:
        return tokens.filter(user__membership__enterprise=membership.enterprise)
    return tokens.filter(user=membership.user)


def _account_page(request, membership, status=200, **context):
    enterprise = membership.enterprise
    context.setdefault(
        "contact_form", ContactForm(instance=enterprise) if membership.is_owner else None
    )
    context.setdefault("member_form", MemberForm() if membership.is_owner else None)
    context.setdefault("token_form", TokenForm())
    context.update(
        {
            "enterprise": enterprise,
            "membership": membership,
            "members": enterprise.members.select_related("user").order_by("-role", "joined_at"),
            "tokens": _tokens_for(membership),
            "api_url": "/api/v1/declarations",
        }
    )
    return render(request, "declarations/account/account.html", context, status=status)


@enterprise_required
def account(request, membership):
    return _account_page(request, membership)


@require_POST
@enterprise_required
def contact(request, membership):
    if not membership.is_owner:
        raise Http404
    form = ContactForm(request.POST, instance=membership.enterprise)
    if not form.is_valid():
        return _account_page(request, membership, status=400, contact_form=form)
    form.save()
    messages.success(request, _("联系信息已更新"))
    return redirect("declarations:account")


@require_POST
@enterprise_required
def member_add(request, membership):
    if not membership.is_owner:
        raise Http404
    form = MemberForm(request.POST)
    if not form.is_valid():
        return _account_page(request, membership, status=400, member_form=form)
    user = form.save(membership.enterprise)
    messages.success(
        request,
        _("已添加成员账号 %(name)s，请把用户名和密码告知该同事。") % {"name": user.username},
    )
    return redirect("declarations:account")


@enterprise_required
def password_change(request, membership):
    """Change one's own password (the current one is asked for); stays logged in."""
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        update_session_auth_hash(request, form.user)
        messages.success(request, _("密码已修改"))
        return redirect("declarations:account")
    return _password_page(request, form, mine=True)


@enterprise_required
def member_password(request, membership, pk):
    """The owner sets a new password for a member who forgot theirs."""
    if not membership.is_owner:
        raise Http404
    member = get_object_or_404(membership.enterprise.members.select_related("user"), pk=pk)
    if member.user == request.user:
        return redirect("declarations:password_change")
    form = SetPasswordForm(member.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(
            request,
            _("已为 %(name)s 设置新密码，请告知该同事登录后自行修改。")
            % {"name": member.user.get_username()},
        )
        return redirect("declarations:account")
    return _password_page(request, form, mine=False, member=member)


def _password_page(request, form, **context):
    status = 400 if request.method == "POST" else 200
    return render(
        request, "declarations/account/password.html", {"form": form, **context}, status=status
    )


@require_POST
@enterprise_required
def token_create(request, membership):
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _account_page(request, membership, status=400, token_form=form)
    token, plaintext = APIToken.create_token(user=request.user, name=form.cleaned_data["name"])
    # Shown once, in this response only: it is never stored in plain text.
    response = _account_page(request, membership, new_token=token, new_token_plaintext=plaintext)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@enterprise_required
def token_revoke(request, membership, pk):
    token = get_object_or_404(_tokens_for(membership), pk=pk)
    if token.revoked_at is None:
        token.revoke()
        messages.success(request, _("令牌“%(name)s”已作废") % {"name": token.name})
    return redirect("declarations:account")


urlpatterns = [
    path("accounts/signup/", signup, name="signup"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    path("accounts/logout/", LogoutView.as_view(), name="logout"),
    path("accounts/regions/", region_children, name="regions"),
    path("account/", account, name="account"),
    path("account/contact/", contact, name="account_contact"),
    path("account/members/add/", member_add, name="member_add"),
    path("account/password/", password_change, name="password_change"),
    path("account/members/<int:pk>/password/", member_password, name="member_password"),
    path("account/tokens/new/", token_create, name="token_create"),
    path("account/tokens/<int:pk>/revoke/", token_revoke, name="token_revoke"),
]
