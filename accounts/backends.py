"""The authentication backend: Django's ModelBackend, with the signed-in user read by a plain statement.

Every signed-in request reads its user (django.contrib.auth.get_user calls the backend named in the session), and
building the ORM's `User.objects.get(pk=...)` costs more than running it. Nearly every request then reads the user's
memberships too (accounts.access.memberships_of): both come in one statement. Signing in, passwords and permissions are
Django's. Sessions name their backend by its path: migration 0003 renamed the path in the sessions stored before."""

from django.contrib.auth.backends import ModelBackend

from accounts.access import user_with_memberships


class UserBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            user = user_with_memberships(user_id)
        except (TypeError, ValueError):  # a session's value that is no key
            return None
        return user if user is not None and self.user_can_authenticate(user) else None
