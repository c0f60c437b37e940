from django.conf import settings
from django.db import models


class StaffProfile(models.Model):
    """Per-person preferences."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="foi_profile"
    )
    # The profile form's label for receive_digest; the digest's footer quotes it, so one name.
    DIGEST_SETTING_LABEL = "Send me the morning digest"

    receive_digest = models.BooleanField(
        default=True, help_text="Send me the morning email of what needs me."
    )

    def __str__(self) -> str:
        return f"Profile of {self.user}"
