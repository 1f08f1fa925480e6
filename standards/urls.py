from django.urls import path

from . import check_views, feeds, views

app_name = "standards"

urlpatterns = [
    path("feeds/changes.atom", feeds.ChangesFeed(), name="feed_changes"),
    path("feeds/changes/<str:level>.atom", feeds.LevelChangesFeed(), name="feed_changes_level"),
    path("feeds/ics/<str:code>.atom", feeds.IcsChangesFeed(), name="feed_changes_ics"),
    path("standards/", views.browse, name="browse"),
    path("standards/ics/", views.browse_ics, name="browse_ics_root"),
    path("standards/ics/<str:code>/", views.browse_ics, name="browse_ics"),
    path("standards/<path:number>/", views.standard_detail, name="detail"),
    path("check/", check_views.check, name="check"),
    path("check/run/", check_views.run, name="check_run"),
    path("check/r/<uuid:token>/", check_views.report, name="report"),
    path("check/r/<uuid:token>/watch/", check_views.watch, name="report_watch"),
    path("check/r/<uuid:token>/recheck/", check_views.recheck, name="report_recheck"),
    path(
        "check/r/<uuid:token>/report.<str:fmt>",
        check_views.download,
        name="report_download",
    ),
]
