"""Django's `changepassword`, which also revokes the account's API tokens as a change on the pages does."""

import getpass

from django.contrib.auth import get_user_model
from django.contrib.auth.management.commands import changepassword

from accounts.services import user_password_changed


class Command(changepassword.Command):
    def handle(self, *args, **options):
        out = super().handle(*args, **options)  # raises CommandError unless the password was changed
        username = options["username"] or getpass.getuser()
        model = get_user_model()
        user = model._default_manager.using(options["database"]).get(**{model.USERNAME_FIELD: username})
        user_password_changed(user=user, by=None)
        return out
