"""HR's retention pages, under /recruit/retention/ (included by ats.urls before the
workspace). No app_name: the names are global, like the workspace's."""

from __future__ import annotations

from django.urls import path

from anonymizer import views

urlpatterns = [
    path("", views.retention, name="retention"),
    path("holds/<int:pk>/place/", views.legal_hold_place_view, name="legal_hold_place"),
    path("holds/<int:pk>/release/", views.legal_hold_release_view, name="legal_hold_release"),
]
