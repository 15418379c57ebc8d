"""`manage.py createuser USERNAME PASSWORD ROLE [--email EMAIL]`: provision one test account.

Role `user` is a plain account, `moderator` joins the `moderator` group, and `admin` gets
is_staff, which DRF's IsAdminUser checks. The suite runs it as its `accounts.command`.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError, transaction

from simplejwt_peer.views import MODERATOR_GROUP

ROLES = ("user", "moderator", "admin")


class Command(BaseCommand):
    help = "Create an account with a role (user, moderator or admin) for the conformance suite."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("password")
        parser.add_argument("role", choices=ROLES)
        parser.add_argument("--email", default="", help="email address of the account")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]
        role: str = options["role"]
        user_model = get_user_model()

        try:
            with transaction.atomic():
                user = user_model.objects.create_user(
                    username=username,
                    email=options["email"],
                    password=options["password"],
                    is_staff=role == "admin",
                )
                if role == "moderator":
                    group, _ = Group.objects.get_or_create(name=MODERATOR_GROUP)
                    user.groups.add(group)
        except IntegrityError:
            raise CommandError(
                f"user {username!r} already exists; choose another username"
            ) from None
        self.stdout.write(f"created {role} {username!r} with id {user.pk}")
