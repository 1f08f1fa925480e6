from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/<int:pk>/read/", views.notification_read, name="notification_read"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications_read_all"),
    path("watches/", views.watches, name="watches"),
    path("watches/add/", views.watch_add, name="watch_add"),
    path("watches/<int:pk>/delete/", views.watch_delete, name="watch_delete"),
]
