"""Management statistics, under /stats/ (included by ats.urls). No app_name: the names
are global, like the workspace's."""

from __future__ import annotations

from django.urls import path

from anonymizer import views_stats

urlpatterns = [
    path("", views_stats.dashboard_view, name="stats_dashboard"),
    path("<slug:table>.csv", views_stats.table_csv, name="stats_csv"),
]
