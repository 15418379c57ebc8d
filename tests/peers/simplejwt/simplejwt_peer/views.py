"""Resources of the SimpleJWT peer: one public view and one protected view per role."""

from typing import Any

from rest_framework.permissions import AllowAny, BasePermission, IsAdminUser, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

MODERATOR_GROUP = "moderator"


class IsModerator(BasePermission):
    """Allows members of the `moderator` group, as in DRF's custom permissions guide."""

    def has_permission(self, request: Request, view: APIView) -> bool:
        user = request.user
        return bool(
            user and user.is_authenticated and user.groups.filter(name=MODERATOR_GROUP).exists()
        )


class PublicView(APIView):
    permission_classes = (AllowAny,)

    def get(self, request: Request) -> Response:
        return Response({"content": "public content"})


class UserView(APIView):
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        return Response(_describe(request))


class ModeratorView(APIView):
    permission_classes = (IsAuthenticated, IsModerator)

    def get(self, request: Request) -> Response:
        return Response(_describe(request))


class AdminView(APIView):
    # IsAdminUser admits accounts with is_staff set.
    permission_classes = (IsAuthenticated, IsAdminUser)

    def get(self, request: Request) -> Response:
        return Response(_describe(request))


def _describe(request: Request) -> dict[str, Any]:
    return {"id": request.user.pk, "username": request.user.get_username()}
