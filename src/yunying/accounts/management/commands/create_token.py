from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yunying.accounts.models import User
from yunying.accounts.services import token_create
from yunying.core.errors import DomainError


class Command(BaseCommand):
    help = "Create a personal access token for USERNAME and print its secret (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="command line")
        parser.add_argument("--days", type=int, default=None, help="expire after this many days")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"no such user: {options['username']}")
        try:
            _token, secret = token_create(user=user, name=options["name"], days=options["days"])
        except DomainError as exc:
            raise CommandError(str(exc))
        self.stdout.write(secret)
