"""Public bodies (police forces first, then councils, NHS bodies...), their names, saved lists of
bodies, and hand-added non-working days.

The model is still called `Force` (and its table, URLs and foreign keys keep the name): every
public body is a row of it, and a police force is a body of kind "police force". Renaming the
model across both apps is deferred so the police journey stays exactly as it was (issue 30)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from requests_app.deadlines import FOIA, FOISA


class Law(models.TextChoices):
    FOIA = FOIA, "FOIA 2000"
    FOISA = FOISA, "FOISA 2002 (Scotland)"


class Country(models.TextChoices):
    ENGLAND = "england", "England"
    WALES = "wales", "Wales"
    SCOTLAND = "scotland", "Scotland"
    NORTHERN_IRELAND = "northern_ireland", "Northern Ireland"
    UK_WIDE = "uk", "UK-wide"


class BodyKind(models.TextChoices):
    POLICE = "police", "Police force"
    COUNCIL = "council", "Council"
    NHS = "nhs", "NHS body"
    FIRE = "fire", "Fire and rescue"
    UNIVERSITY = "university", "University"
    OTHER = "other", "Other public authority"


def law_for_nation(country: str) -> str:
    """FOISA for a Scottish public authority, FOIA for every other (DOMAIN.md section 2)."""
    return Law.FOISA if country == Country.SCOTLAND else Law.FOIA


class Force(models.Model):
    """A public body asked for information: a police force, a council, an NHS body..."""

    name = models.CharField(
        max_length=120, unique=True, help_text="Official name, e.g. 'Kent Police'."
    )
    kind = models.CharField(
        max_length=12,
        choices=BodyKind.choices,
        default=BodyKind.POLICE,
        help_text="What sort of public body; it chooses the words pages and headlines use.",
    )
    short_name = models.CharField(max_length=60, help_text="Name for tables, e.g. 'Kent'.")
    slug = models.SlugField(max_length=80, unique=True)
    ons_code = models.CharField(
        max_length=9,
        blank=True,
        help_text=(
            "The body's code: ONS/GSS (E23... for a police force area, S12000033 for a Scottish "
            "council) or another register's; blank where there is none."
        ),
    )
    region = models.CharField(max_length=60, help_text="A grouping for reports, not a legal fact.")
    country = models.CharField(max_length=20, choices=Country.choices, verbose_name="nation")
    law = models.CharField(
        max_length=5,
        choices=Law.choices,
        default=Law.FOIA,
        help_text="FOISA (and Scotland's calendar) for Scottish bodies, FOIA elsewhere.",
    )
    foi_email = models.EmailField(blank=True, help_text="Where requests and chasers are sent.")
    # Set by a bounce; cleared when the address is changed.
    email_failing_since = models.DateTimeField(
        null=True, blank=True, help_text="Mail to the FOI address bounced."
    )
    email_failure = models.CharField(
        max_length=500, blank=True, help_text="What the bounce said, in short."
    )
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "public body"
        verbose_name_plural = "public bodies"
        constraints = [
            models.CheckConstraint(condition=Q(law__in=Law.values), name="force_law_valid"),
            models.CheckConstraint(condition=Q(kind__in=BodyKind.values), name="force_kind_valid"),
            models.UniqueConstraint(
                fields=["ons_code"], condition=~Q(ons_code=""), name="force_ons_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ForceAlias(models.Model):
    """Another name a force goes by in spreadsheets and letters, or a former name."""

    # No index of its own: force_alias_unique leads with it (tests/test_indexes.py).
    force = models.ForeignKey(
        Force, on_delete=models.CASCADE, related_name="aliases", db_index=False
    )
    name = models.CharField(max_length=120)
    is_former_name = models.BooleanField(default=False)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "force aliases"
        constraints = [
            models.UniqueConstraint(fields=["force", "name"], name="force_alias_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} -> {self.force.short_name}"


class AddressChangeKind(models.TextChoices):
    SET = "set", "Address set"
    FAILING = "failing", "Marked failing (a bounce)"
    CLEARED = "cleared", "No longer marked failing"


class AddressChangeVia(models.TextChoices):
    PAGE = "page", "The force's address page"
    ADMIN = "admin", "The admin"
    COMMAND = "command", "update_forces"
    MAIL = "mail", "Mail in (a bounce)"
    MESSAGE_PAGE = "message", "A message's kind corrected"
    IMPORT = "import", "A list of bodies imported"


class ForceAddressChange(models.Model):
    """The audit trail of a force's FOI address: every change of where its requests go, and
    every time mail marked it failing or a person cleared that, with who, when, from and to.
    Written only by services/forces.py, in the transaction of the change itself."""

    Kind = AddressChangeKind
    Via = AddressChangeVia

    force = models.ForeignKey(Force, on_delete=models.CASCADE, related_name="address_changes")
    kind = models.CharField(max_length=10, choices=AddressChangeKind.choices)
    via = models.CharField(max_length=10, choices=AddressChangeVia.choices)
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="Empty for the tracker itself (a bounce) and commands run without --user.",
    )
    from_email = models.CharField(max_length=254, blank=True)
    to_email = models.CharField(max_length=254, blank=True)
    note = models.TextField(
        blank=True, help_text="Why: the bounce's reason, the file, the message."
    )
    message = models.ForeignKey(
        "requests_app.InboundMessage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The bounce that marked the address failing (or whose correction cleared it).",
    )

    class Meta:
        ordering = ["-changed_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=AddressChangeKind.values), name="address_change_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(via__in=AddressChangeVia.values), name="address_change_via_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.force}: {self.get_kind_display()} {self.from_email} -> {self.to_email}"


class ForceList(models.Model):
    """A named set of bodies to ask. Built-in lists come from a migration; staff add their own.
    A list with a kind is computed: every active body of that kind (and nation, if set) as the
    registry stands, so "All Scottish councils" takes in a council imported after it was made."""

    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=80, unique=True)
    forces = models.ManyToManyField(Force, related_name="lists", blank=True)
    kind = models.CharField(
        max_length=12,
        choices=BodyKind.choices,
        blank=True,
        help_text="Set: the list is every active body of this kind (its ticked bodies unused).",
    )
    nation = models.CharField(
        max_length=20,
        choices=Country.choices,
        blank=True,
        help_text="With a kind: only bodies in this nation.",
    )
    builtin = models.BooleanField(default=False, help_text="Shipped with the tracker.")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        ordering = ["-builtin", "name"]
        verbose_name = "list of bodies"
        verbose_name_plural = "lists of bodies"
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="") | Q(kind__in=BodyKind.values), name="force_list_kind_valid"
            ),
            models.CheckConstraint(
                condition=Q(nation="") | ~Q(kind=""), name="force_list_nation_needs_kind"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def computed(self) -> bool:
        return bool(self.kind)

    def members(self) -> models.QuerySet[Force]:
        """The bodies this list asks: its kind's (and nation's) active bodies, or those ticked."""
        if not self.kind:
            return self.forces.all()
        bodies = Force.objects.filter(kind=self.kind, active=True)
        return bodies.filter(country=self.nation) if self.nation else bodies


class NonWorkingDay(models.Model):
    """A day added by hand that is not a working day (a newly proclaimed bank holiday)."""

    class AppliesTo(models.TextChoices):
        ALL = "all", "FOIA and FOISA"
        FOIA = FOIA, "FOIA only"
        FOISA = FOISA, "FOISA only"

    date = models.DateField()
    applies_to = models.CharField(max_length=5, choices=AppliesTo.choices, default=AppliesTo.ALL)
    description = models.CharField(max_length=200)

    class Meta:
        ordering = ["date"]
        constraints = [
            models.UniqueConstraint(fields=["date", "applies_to"], name="non_working_day_unique"),
            models.CheckConstraint(
                condition=Q(applies_to__in=["all", FOIA, FOISA]), name="non_working_day_law_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.description}"
