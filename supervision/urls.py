"""Public and firm-facing routes of supervision (the admin screens are in
``supervision.wagtail_hooks``)."""

from django.urls import path

from supervision import views

app_name = "supervision"

urlpatterns = [
    path("declarations/<int:pk>/complaint/", views.complaint, name="complaint"),
    path("my/cases/", views.my_cases, name="my_cases"),
    path("my/cases/<int:pk>/", views.my_case, name="my_case"),
    path("my/cases/<int:pk>/attachment.pdf", views.my_case_attachment, name="my_case_attachment"),
]
