"""The authentication backend: Django's ModelBackend, with the signed-in user read by a plain statement.

Every signed-in request reads its user (django.contrib.auth.get_user calls the backend named in the session), and
building the ORM's `User.objects.get(pk=...)` costs more than running it. Signing in, passwords and permissions are
Django's. Sessions name their backend by its path: migration 0003 renamed the path in the sessions stored before."""

from django.contrib.auth.backends import ModelBackend

from accounts.models import User
from core import plain_reads


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            found = plain_reads.read(User, where={"id": user_id})
        except (TypeError, ValueError):  # a session's value that is no key
            return None
        return found[0] if found and self.user_can_authenticate(found[0]) else None
