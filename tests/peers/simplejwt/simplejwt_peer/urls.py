"""URLs of the SimpleJWT peer: SimpleJWT's token views at the paths its documentation uses."""

from django.conf import settings
from django.urls import path
from rest_framework_simplejwt.views import (
    TokenBlacklistView,
    TokenObtainPairView,
    TokenRefreshView,
)

from simplejwt_peer import views

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view(), name="token_obtain_pair"),
    path("api/token/refresh/", TokenRefreshView.as_view(), name="token_refresh"),
    path("api/public/", views.PublicView.as_view(), name="public"),
    path("api/user/", views.UserView.as_view(), name="user"),
    path("api/moderator/", views.ModeratorView.as_view(), name="moderator"),
    path("api/admin/", views.AdminView.as_view(), name="admin"),
]

# Without the blacklist app, TokenBlacklistView returns 200 and revokes nothing, so the default
# configuration does not route it.
if "rest_framework_simplejwt.token_blacklist" in settings.INSTALLED_APPS:
    urlpatterns.append(
        path("api/token/blacklist/", TokenBlacklistView.as_view(), name="token_blacklist")
    )
