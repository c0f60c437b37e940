"""What the login throttle remembers, in the database so every worker and host sees the same.

django-axes keeps the hard lock on a (username, address) pair in its own tables; these two add
the slowdown for addresses a user has never signed in from (see accounts/throttle.py).
"""

from django.conf import settings
from django.db import models


class LoginSlowdown(models.Model):
    """Wrong passwords for one username, or from one address, from addresses that username has
    not signed in from; past LOGIN_SLOWDOWN_AFTER, such addresses wait before each attempt."""

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text='"username:<name as typed>" or "address:<client address>".',
    )
    failures = models.PositiveIntegerField(
        default=0, help_text="Wrong passwords since the count last started again."
    )
    last_failure_at = models.DateTimeField(
        help_text="The count starts again after LOGIN_SLOWDOWN_RESET_HOURS without a failure."
    )
    next_attempt_at = models.DateTimeField(
        help_text="Before this, attempts from unknown addresses are refused unchecked."
    )

    class Meta:
        indexes = [
            # Deleting the counts nobody needs any more (throttle.login_failure_record).
            models.Index(fields=["last_failure_at"], name="loginslowdown_last_failure"),
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.failures} failures"


class KnownLoginAddress(models.Model):
    """An address a user has signed in from: exempt from the slowdown for that user, so that an
    attacker failing elsewhere cannot keep the real user out."""

    # No index of its own: knownloginaddress_unique leads with it (tests/test_indexes.py).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="known_login_addresses",
        db_index=False,
    )
    address = models.GenericIPAddressField()
    last_login_at = models.DateTimeField(
        help_text="Known for LOGIN_KNOWN_ADDRESS_DAYS after the last sign-in from it."
    )

    class Meta:
        constraints = [
            # Also the index for "has this user signed in from this address?" on every attempt.
            models.UniqueConstraint(fields=["user", "address"], name="knownloginaddress_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} from {self.address}"
