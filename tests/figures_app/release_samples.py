"""Sample objects for tests/test_permissions.py (the URL walk), so every release URL can be
filled in. Call after figures_by_view (which gives `foi` one figure): this approves it and
publishes a release of the campaign.

    from tests.figures_app.release_samples import (
        RELEASES_PUBLIC, RELEASES_REVIEWER_ONLY, releases_by_view)
"""

from django.db import transaction

from figures_app.selectors.release_data import force_code
from figures_app.services.releases import ReleaseSpec, release_publish
from figures_app.services.review import _approve
from requests_app.roles import REVIEWER, STAFF
from tests.factories import UserFactory

# Anyone may open these, logged out (the public results pages, downloads and API).
RELEASES_PUBLIC = {
    "release_public",
    "release_version",
    "release_force",
    "release_version_force",
    "release_download",
    "release_chart",
    "release_api",
}
# Staff without the reviewer role get 403 (GET): preparing and publishing a release.
RELEASES_REVIEWER_ONLY = {"release_prepare"}

SAMPLE_RELEASE = "sample-release"


def releases_by_view(campaign, foi) -> dict[str, dict]:
    reviewer = UserFactory(username="release-sample-reviewer", roles=[STAFF, REVIEWER])
    with transaction.atomic():
        _approve([foi.pk], reviewer, comment="")
    release_publish(
        campaign=campaign,
        actor=reviewer,
        slug=SAMPLE_RELEASE,
        spec=ReleaseSpec(title="Sample release"),
    )
    code = force_code(foi.force)
    one = {"slug": SAMPLE_RELEASE, "number": 1}
    return {
        "release_public": {"slug": SAMPLE_RELEASE},
        "release_preview": {"slug": SAMPLE_RELEASE},
        "release_api": {"slug": SAMPLE_RELEASE},
        "release_version": one,
        "release_force": {"slug": SAMPLE_RELEASE, "code": code},
        "release_version_force": {**one, "code": code},
        "release_download": {**one, "fmt": "csv"},
        "release_chart": {**one, "metric": "offences", "chart": "periods", "fmt": "svg"},
    }
