from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from podkowa.core.tenancy import TenantModel


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra):
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("email_confirmed_at", timezone.now())
        return self.create_user(email, password, **extra)


class Language(models.TextChoices):
    POLISH = "pl", _("Polish")
    ENGLISH = "en", _("English")


class User(AbstractBaseUser, PermissionsMixin):
    """An account: a resident, an official, or both. Logs in with its e-mail address.

    Accounts are not tenant rows: one person may deal with several towns served by one
    install. What a person is *in a town* lives in ResidentProfile and Official.
    """

    email = models.EmailField(_("e-mail"), unique=True)
    first_name = models.CharField(_("first name"), max_length=150, blank=True)
    last_name = models.CharField(_("last name"), max_length=150, blank=True)
    language = models.CharField(
        _("language"), max_length=5, choices=Language.choices, default=Language.POLISH
    )
    email_confirmed_at = models.DateTimeField(_("e-mail confirmed"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(
        _("may use the administration"), default=False,
        help_text=_("Set for officials; what they may do there depends on their roles."),
    )
    date_joined = models.DateTimeField(_("joined"), default=timezone.now)
    anonymised_at = models.DateTimeField(_("anonymised"), null=True, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("account")
        verbose_name_plural = _("accounts")

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    def get_full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self) -> str:
        return self.first_name or self.email

    @property
    def email_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class VerificationLevel(models.IntegerChoices):
    REGISTERED = 0, _("registered")
    EMAIL_CONFIRMED = 10, _("e-mail confirmed")
    IDENTITY_VERIFIED = 20, _("identity verified")
    VERIFIED_RESIDENT = 30, _("verified resident")


class Channel(models.TextChoices):
    WEB = "web", _("website")
    MOBILE = "mobile", _("mobile app")
    DESK = "desk", _("at the office desk")


class ResidentProfile(TenantModel):
    """What a person is in one town: contact details, preferences, verification level."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="resident_profiles"
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    street = models.CharField(_("street and number"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    notify_by_email = models.BooleanField(_("notify me by e-mail"), default=True)
    notify_by_sms = models.BooleanField(_("notify me by text message"), default=False)
    verification_level = models.PositiveSmallIntegerField(
        _("verification level"), choices=VerificationLevel.choices,
        default=VerificationLevel.REGISTERED,
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(fields=["gmina", "user"], name="resident_once_per_gmina")
        ]

    def __str__(self) -> str:
        return str(self.user)


class Department(TenantModel):
    name = models.CharField(_("name"), max_length=150)

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "name"], name="department_name_per_gmina")
        ]

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    """Per-module roles of an official. rules.py says what each may do."""

    ADMIN = "admin", _("administrator")
    RESIDENT_DESK = "resident_desk", _("resident desk (verification)")
    CASE_CLERK = "case_clerk", _("case clerk")
    FINANCE = "finance", _("finance")
    CONSULTATIONS_EDITOR = "consultations_editor", _("consultations editor")
    CEMETERY_CLERK = "cemetery_clerk", _("cemetery clerk")
    CULTURE_EDITOR = "culture_editor", _("culture editor")
    REGISTER_EDITOR = "register_editor", _("register editor")
    REPORTS = "reports", _("reports")


class Official(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official_posts"
    )
    department = models.ForeignKey(
        Department, on_delete=models.SET_NULL, null=True, blank=True,
        verbose_name=_("department"),
    )
    job_title = models.CharField(_("job title"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        constraints = [
            models.UniqueConstraint(fields=["gmina", "user"], name="official_once_per_gmina")
        ]

    def __str__(self) -> str:
        return str(self.user)


class OfficialRole(TenantModel):
    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(_("role"), max_length=40, choices=Role.choices)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        constraints = [
            models.UniqueConstraint(fields=["gmina", "official", "role"], name="role_once")
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class PersonIdentity(models.Model):
    """The verification ledger's key: one person (by keyed PESEL hash) ↔ one account.

    The unique constraints, not a check in Python, refuse a second account for the same
    person — two desks verifying at the same moment cannot both win.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity"
    )
    pesel_hmac = models.CharField(_("keyed PESEL hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("verified identity")
        verbose_name_plural = _("verified identities")

    def __str__(self) -> str:
        return str(self.user)


class VerificationEvent(TenantModel):
    """The ledger itself: every verification (and refusal) as it happened, append-only."""

    class Method(models.TextChoices):
        EMAIL = "email", _("e-mail confirmation")
        DESK = "desk", _("at the office desk")
        LOGIN_GOV = "login_gov", _("login.gov.pl")
        REGISTER = "register", _("matched against the town's register")
        DECLARATION = "declaration", _("residence declared")

    class Outcome(models.TextChoices):
        GRANTED = "granted", _("granted")
        REFUSED_DUPLICATE = "refused_duplicate", _("refused: person already has an account")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verification_events"
    )
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=VerificationLevel.choices)
    pesel_hmac = models.CharField(_("keyed PESEL hash"), max_length=64, blank=True)
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("verified by"),
    )
    document = models.CharField(_("document checked"), max_length=200, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("verification")
        verbose_name_plural = _("verification ledger")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} {self.get_method_display()} {self.get_outcome_display()}"


class ConsentKind(models.TextChoices):
    ELECTRONIC_COMMUNICATION = "electronic", _("electronic communication")
    PUSH = "push", _("push messages on the phone")


class ConsentText(TenantModel):
    """The exact wording a person agreed to; a new wording is a new version."""

    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"))
    published_at = models.DateTimeField(_("published"), default=timezone.now)

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["kind", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["gmina", "kind", "version"], name="consent_version")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.version}"


class Consent(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    text = models.ForeignKey(ConsentText, on_delete=models.PROTECT, verbose_name=_("text shown"))
    granted_at = models.DateTimeField(_("granted"), default=timezone.now)
    granted_channel = models.CharField(_("granted through"), max_length=10, choices=Channel.choices)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revoked_channel = models.CharField(
        _("revoked through"), max_length=10, choices=Channel.choices, blank=True
    )

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consent register")
        ordering = ["-granted_at", "-id"]
        constraints = [
            # At most one live consent of a kind per person and town.
            models.UniqueConstraint(
                fields=["gmina", "user", "kind"], condition=Q(revoked_at__isnull=True),
                name="one_live_consent",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_kind_display()}"


class ApiToken(TenantModel):
    """A personal token for the mobile app; only its hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(_("starts with"), max_length=16)
    # Tokens are 256 random bits: a plain SHA-256 is enough, unlike a PESEL.
    key_hash = models.CharField(max_length=64, unique=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.MOBILE
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ErasureRequest(TenantModel):
    class Status(models.TextChoices):
        PENDING = "pending", _("waiting")
        DONE = "done", _("carried out")
        REFUSED = "refused", _("refused")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="erasure_requests"
    )
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    reason = models.TextField(_("reason"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "user"], condition=Q(status="pending"),
                name="one_pending_erasure",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_status_display()})"


class VerifiedAttribute(models.Model):
    """A fact about the person vouched for by a trusted source (login.gov.pl, the desk).

    Kept beside the account, not in ResidentProfile: it is the person's, whichever town asks,
    and the person cannot edit it (their own "first name" on the account they can).
    """

    class Kind(models.TextChoices):
        GIVEN_NAME = "given_name", _("given name")
        FAMILY_NAME = "family_name", _("family name")
        DATE_OF_BIRTH = "date_of_birth", _("date of birth")
        RESIDENT_CARD = "resident_card", _("resident card (Karta Mieszkańca) number")

    class Source(models.TextChoices):
        LOGIN_GOV = "login_gov", _("login.gov.pl")
        DESK = "desk", _("at the office desk")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="verified_attributes"
    )
    kind = models.CharField(_("attribute"), max_length=20, choices=Kind.choices)
    value = models.CharField(_("value"), max_length=200)
    source = models.CharField(_("vouched for by"), max_length=20, choices=Source.choices)
    verified_at = models.DateTimeField(_("verified"), default=timezone.now)

    class Meta:
        verbose_name = _("verified attribute")
        verbose_name_plural = _("verified attributes")
        ordering = ["user", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="verified_attribute_once")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"


class IdentityConflict(TenantModel):
    """Something an official must look at: e.g. a second account presenting a person who
    already has one. Written by the services when they refuse; resolved by the desk."""

    class Kind(models.TextChoices):
        DUPLICATE_IDENTITY = "duplicate_identity", _("two accounts claim one person")
        OTHER_PERSON = "other_person", _("the account is verified as another person")
        REGISTER_MISMATCH = "register_mismatch", _(
            "the declared address contradicts the imported register")

    class Status(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_conflicts",
        verbose_name=_("account that tried"),
    )
    holder = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", verbose_name=_("account already verified as the person"),
    )
    method = models.CharField(
        _("method"), max_length=20, choices=VerificationEvent.Method.choices
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.OPEN
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolution_note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("identity conflict")
        verbose_name_plural = _("identity conflicts")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user}"


class ExternalLoginRefusal(TenantModel):
    """An answer of login.gov.pl that was refused (bad signature, expired, replayed…).

    The log for whoever investigates an attack or a broken configuration; it holds the check
    that failed and a technical detail, never an attribute of the person.
    """

    code = models.CharField(_("failed check"), max_length=30)
    message = models.CharField(_("message shown"), max_length=300)
    detail = models.CharField(_("technical detail"), max_length=500, blank=True)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("refused login.gov.pl answer")
        verbose_name_plural = _("refused login.gov.pl answers")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.code} ({self.at:%Y-%m-%d %H:%M})"


class SamlOneTimeUse(models.Model):
    """Artifacts, assertions and request ids of login.gov.pl seen once: the unique constraint
    refuses a second use, even by two processes at the same moment.

    Not a town's row: the node's identifiers are global, and a replay must fail in every town.
    Only a SHA-256 of the value is kept (the values are random, not personal).
    """

    class Kind(models.TextChoices):
        ARTIFACT = "artifact", _("artifact")
        ASSERTION = "assertion", _("assertion")
        REQUEST = "request", _("request")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    digest = models.CharField(max_length=64)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("used login.gov.pl message")
        verbose_name_plural = _("used login.gov.pl messages")
        constraints = [
            models.UniqueConstraint(fields=["kind", "digest"], name="saml_used_once")
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.digest[:12]}…"


class ResidencyPolicy(TenantModel):
    """How this town confirms that a person lives here (one row per town; desk if none)."""

    class Mode(models.TextChoices):
        DESK = "desk", _("an official confirms at the desk")
        REGISTER = "register", _("matched against the register the office imports")
        DECLARATION = "declaration", _("the declaration alone is enough")

    mode = models.CharField(_("confirmation"), max_length=20, choices=Mode.choices,
                            default=Mode.DESK)

    class Meta:
        verbose_name = _("residency policy")
        verbose_name_plural = _("residency policy")
        constraints = [models.UniqueConstraint(fields=["gmina"], name="one_residency_policy")]

    def __str__(self) -> str:
        return self.get_mode_display()


class ResidencyDeclaration(TenantModel):
    """A person's statement that they live in the town (KC art. 25), and how it was confirmed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for confirmation")
        CONFIRMED = "confirmed", _("confirmed")
        CONFLICT = "conflict", _("contradicts the register")
        WITHDRAWN = "withdrawn", _("replaced by a newer declaration")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="residency_declarations"
    )
    street = models.CharField(_("street and number"), max_length=200)
    postal_code = models.CharField(_("postal code"), max_length=6)
    city = models.CharField(_("city"), max_length=100)
    since = models.DateField(_("living here since"))
    declared_at = models.DateTimeField(_("declared"), auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    confirmed_by = models.CharField(_("confirmed by"), max_length=20,
                                    choices=ResidencyPolicy.Mode.choices, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    official = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("confirmed by official"),
    )

    class Meta:
        verbose_name = _("residency declaration")
        verbose_name_plural = _("residency declarations")
        ordering = ["-declared_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "user"], condition=~Q(status="withdrawn"),
                name="one_live_residency_declaration",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} — {self.street}, {self.city}"


class ResidencyRegisterEntry(TenantModel):
    """One row of the register the office imported (resident cards, meldunek extract), kept
    only as keyed hashes: of the PESEL and of the normalised address."""

    pesel_hmac = models.CharField(max_length=64)
    address_hmac = models.CharField(max_length=64)
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("register entry")
        verbose_name_plural = _("imported register")
        constraints = [
            models.UniqueConstraint(fields=["gmina", "pesel_hmac"], name="register_once")
        ]

    def __str__(self) -> str:
        return self.pesel_hmac[:12] + "…"


class Representation(TenantModel):
    """A resident's authorisation to act for a firm (by NIP) or for another person, valid
    once an official has seen the authorisation document."""

    class Kind(models.TextChoices):
        FIRM = "firm", _("a firm (NIP)")
        PERSON = "person", _("another person")

    class Status(models.TextChoices):
        PENDING = "pending", _("waiting for the office")
        CONFIRMED = "confirmed", _("confirmed")
        REVOKED = "revoked", _("revoked")

    representative = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="representations",
        verbose_name=_("representative"),
    )
    kind = models.CharField(_("acts for"), max_length=10, choices=Kind.choices)
    name = models.CharField(_("name of the represented party"), max_length=200)
    nip = models.CharField(_("NIP"), max_length=10, blank=True)
    # A represented person is known by the keyed hash of their PESEL only.
    person_pesel_hmac = models.CharField(_("keyed PESEL hash"), max_length=64, blank=True)
    document = models.CharField(_("authorisation document"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    requested_at = models.DateTimeField(_("requested"), auto_now_add=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("confirmed by"),
    )
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("representation")
        verbose_name_plural = _("representations")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["gmina", "representative", "kind", "nip", "person_pesel_hmac"],
                condition=~Q(status="revoked"), name="one_live_representation",
            )
        ]

    def __str__(self) -> str:
        return self.name


class RepresentedAction(TenantModel):
    """The trail of what a person did while acting for a represented party: both are recorded
    for every change they made (each state-changing request), whichever app handled it."""

    representation = models.ForeignKey(Representation, on_delete=models.CASCADE,
                                       related_name="actions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("acted"))
    method = models.CharField(max_length=10)
    path = models.CharField(_("what"), max_length=300)
    at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("action for a represented party")
        verbose_name_plural = _("actions for represented parties")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} → {self.representation}: {self.method} {self.path}"
