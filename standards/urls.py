from django.urls import path

from . import views

app_name = "standards"

urlpatterns = [
    path("standards/", views.browse, name="browse"),
    path("standards/ics/", views.browse_ics, name="browse_ics_root"),
    path("standards/ics/<str:code>/", views.browse_ics, name="browse_ics"),
    path("standards/<path:number>/", views.standard_detail, name="detail"),
    path("check/", views.check, name="check"),
]
