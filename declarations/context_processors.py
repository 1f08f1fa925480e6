"""The signed-in firm in the site header: membership and enterprise in one query
(read one after the other, they would cost two on every page)."""

from django.contrib.auth import get_user_model

from .models import Membership


def firm(request):
    user = getattr(request, "user", None)
    if getattr(user, "is_authenticated", False):
        relation = get_user_model().membership.related
        if not relation.is_cached(user):
            found = Membership.objects.select_related("enterprise").filter(user=user).first()
            relation.set_cached_value(user, found)
    return {}
