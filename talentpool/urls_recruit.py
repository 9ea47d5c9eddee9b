"""The talent pool in the recruiter workspace, under /recruit/pool/ (included before
ats.urls_recruit). Every view starts from talentpool.selectors."""

from __future__ import annotations

from django.urls import path

from talentpool import views_recruit as views

app_name = "talentpool_recruit"

urlpatterns = [
    path("", views.pool_search_view, name="search"),
    path("offer/", views.offer_list, name="offer"),
    path("offer/<int:application>/", views.offer_send, name="offer_send"),
    path("<int:pk>/", views.member_file, name="member"),
    path("<int:pk>/profile/", views.member_profile, name="member_profile"),
    path("<int:pk>/share/", views.member_share, name="member_share"),
    path("<int:pk>/invite/", views.member_invite, name="member_invite"),
    path("<int:pk>/documents/<uuid:document>/", views.member_document, name="member_document"),
]
