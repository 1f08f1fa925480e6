"""The JSON API, version 1: OpenAPI schema and docs at /api/v1/docs."""

from django.utils.translation import gettext as _

from ninja import NinjaAPI
from ninja.errors import ValidationError

from declarations.api import router as declarations_router
from search.api import router as search_router
from standards.api import router as standards_router

api = NinjaAPI(
    title="标准馆 API",
    version="1",
    description="标准查新、标准检索与企业标准自我声明。",
    urls_namespace="api-v1",
)
# Search routes first: /standards/search must not be read as a standard number.
api.add_router("/", search_router)
api.add_router("/", standards_router)
api.add_router("/", declarations_router)


@api.exception_handler(ValidationError)
def validation_error(request, exc):
    return api.create_response(
        request, {"detail": _("请求内容不符合要求"), "errors": exc.errors}, status=422
    )
