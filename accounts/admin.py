"""The user admin, with the "staff status" box explained: it is Django's admin-site switch, not
the tracker's staff role (roles are the groups "staff" and "reviewer")."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from accounts.forms import AdminLoginForm
from accounts.models import KnownLoginAddress, LoginSlowdown
from requests_app import roles

IS_STAFF_HELP = (
    "Lets this person into this admin site only. It is not the tracker's staff role: roles are "
    "set with Groups below."
)
GROUPS_HELP = "Roles in the tracker. " + " ".join(roles.ROLE_DESCRIPTIONS.values())

User = get_user_model()


class TrackerUserAdmin(UserAdmin):
    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if "is_staff" in form.base_fields:
            form.base_fields["is_staff"].help_text = IS_STAFF_HELP
        if "groups" in form.base_fields:
            form.base_fields["groups"].help_text = GROUPS_HELP
        return form


admin.site.unregister(User)
admin.site.register(User, TrackerUserAdmin)

# The admin's login form also says "try again in N seconds" when the slowdown refuses an attempt.
admin.site.login_form = AdminLoginForm


@admin.register(LoginSlowdown)
class LoginSlowdownAdmin(admin.ModelAdmin):
    """Deleting a row lifts that username's or address's slowdown at once."""

    list_display = ("key", "failures", "last_failure_at", "next_attempt_at")
    search_fields = ("key",)
    ordering = ("-last_failure_at",)


@admin.register(KnownLoginAddress)
class KnownLoginAddressAdmin(admin.ModelAdmin):
    """Addresses exempt from the slowdown for their user; delete one to stop trusting it."""

    list_display = ("user", "address", "last_login_at")
    search_fields = ("user__username", "address")
    raw_id_fields = ("user",)
