from __future__ import annotations

from django.urls import path

from talentpool import views

app_name = "talentpool"

urlpatterns = [
    path("join/", views.join, name="join"),
    path("join/done/", views.joined, name="joined"),
    path("offer/<str:token>/", views.join_offer, name="join_offer"),
    path("renew/<str:token>/", views.renew, name="renew"),
    path("withdraw/<str:token>/", views.withdraw, name="withdraw"),
]
