"""`manage.py deleteuser USERNAME`: delete one test account, as an administrator would.

The suite runs it as the profile's `account_deletion.command` to check that the refresh tokens
of a deleted account stop working.
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "Delete an account of the conformance suite by its username."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        username: str = options["username"]

        deleted, _ = get_user_model().objects.filter(username=username).delete()
        if not deleted:
            raise CommandError(f"no user {username!r}; nothing was deleted")
        self.stdout.write(f"deleted {username!r}")
