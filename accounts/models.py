"""Schools (the tenancy), staff, their roles per school, school set-up and the training register."""

import pghistory
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Role(models.TextChoices):
    TEACHING_ASSISTANT = "ta", "Teaching assistant"
    TEACHER = "teacher", "Teacher"
    SENCO = "senco", "SENCo"
    DSL = "dsl", "DSL (lead or deputy)"
    SENIOR_LEADER = "senior", "Senior leader"
    SCHOOL_ADMIN = "admin", "School admin"


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email, password=None, **extra):
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password) if password else user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **extra)


@pghistory.track(exclude=["password", "last_login"])
class User(AbstractBaseUser, PermissionsMixin):
    """A person who signs in. Trust admins are superusers; school staff hold roles per school."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False, help_text="Trust admin: may use the Django admin.")
    date_joined = models.DateTimeField(default=timezone.now)
    # allauth's authenticator table belongs to a third-party app, so a 2FA reset is recorded
    # here: the history row of this change names the admin who did it.
    two_factor_reset_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = UserManager()
    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["full_name"]

    class Meta:
        constraints = [models.UniqueConstraint(Lower("email"), name="user_email_ci_unique")]

    def __str__(self):
        return self.full_name or self.email

    def get_full_name(self):
        return self.full_name

    def get_short_name(self):
        return self.full_name.split(" ")[0] if self.full_name else self.email


@pghistory.track()
class School(models.Model):
    name = models.CharField(max_length=200)
    urn = models.CharField("URN", max_length=6, unique=True, help_text="DfE unique reference number")
    local_authority = models.CharField(max_length=120, blank=True)
    require_2fa_for_all = models.BooleanField(
        "Require two-factor authentication for all staff", default=False
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


@pghistory.track()
class Membership(models.Model):
    """A person's employment at one school: roles and whether they still have access."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="memberships")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="memberships")
    roles = ArrayField(models.CharField(max_length=10, choices=Role.choices), default=list, blank=True)
    job_title = models.CharField(max_length=120, blank=True)
    can_edit_plans = models.BooleanField(
        "May edit plans and EHCPs", default=False,
        help_text="For staff other than the SENCo whom the school trusts with plan editing (e.g. a deputy)",
    )
    is_active = models.BooleanField(default=True)
    deactivated_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "user"], name="membership_unique")]
        ordering = ["user__full_name"]

    def __str__(self):
        return f"{self.user} at {self.school}"

    @property
    def role_labels(self):
        return [Role(r).label for r in self.roles if r in Role.values]


@pghistory.track()
class Term(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="terms")
    name = models.CharField(max_length=60, help_text="e.g. Autumn 2026")
    starts_on = models.DateField()
    ends_on = models.DateField()
    half_term_starts_on = models.DateField(null=True, blank=True)
    half_term_ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["starts_on"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_on__gt=models.F("starts_on")), name="term_ends_after_start"),
        ]

    def __str__(self):
        return self.name


@pghistory.track()
class Period(models.Model):
    """A period of the school day (registration, lesson 1, break, lunch...)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="periods")
    name = models.CharField(max_length=40)
    starts_at = models.TimeField()
    ends_at = models.TimeField()

    class Meta:
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="period_ends_after_start"),
        ]

    def __str__(self):
        return f"{self.name} ({self.starts_at:%H:%M}-{self.ends_at:%H:%M})"


@pghistory.track()
class Location(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=80)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="location_unique_name")]

    def __str__(self):
        return self.name


class TrainingCourse(models.TextChoices):
    TEAM_TEACH = "team_teach", "TEAM-TEACH"
    CPI = "cpi", "CPI Safety Intervention"
    MAPA = "mapa", "MAPA"
    MEDICATION = "medication", "Administering medication"
    MOVING_HANDLING = "moving_handling", "Moving and handling"


@pghistory.track()
class TrainingRecord(models.Model):
    """Staff training register: used by restrictive-intervention and medication records."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="training_records")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="training_records")
    course = models.CharField(max_length=30, choices=TrainingCourse.choices)
    completed_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-completed_on"]

    @property
    def is_current(self):
        return self.expires_on is None or self.expires_on >= timezone.localdate()

