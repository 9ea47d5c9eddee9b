from __future__ import annotations

from django.urls import path

from careers_site import views

app_name = "careers_site"

urlpatterns = [
    path("", views.board, name="home"),
    path("careers/", views.board, name="board"),
    path("careers/<str:reference>/", views.vacancy_detail, name="vacancy"),
]
