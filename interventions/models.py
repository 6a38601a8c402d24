"""Interventions and therapy programmes: the school's catalogue, groups (a run of an intervention
with its staff, days and times), placements (a pupil on a group with a SMART target, the EHCP
outcome or provision it serves, entry/exit scores and an end review), sessions with attendance,
and programmes set by external therapists with their delivery log.

Planned sessions are not stored: they follow from a group's days between its start and end, so a
change of timetable never leaves stale rows; delivered and cancelled sessions are stored. Ending a
group early stores its planned sessions after the end as cancelled, with the reason, so the session
history says what happened to them. Re-opening a group ended by mistake withdraws those (they are
planned again) and re-opens the placements the ending ended; a Reopening keeps the ending undone."""

import datetime
from decimal import Decimal

import pghistory
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import School
from plans.models import AreaOfNeed, Outcome, Provision, Rating
from pupils.models import Pupil

# Schools meet Monday to Friday; Saturday and Sunday are there for the rare weekend club. A group's
# planned dates, costs and register follow whichever days it has.
WEEKDAYS = [(0, "Monday"), (1, "Tuesday"), (2, "Wednesday"), (3, "Thursday"), (4, "Friday"), (5, "Saturday"),
            (6, "Sunday")]


def day_names(days, *, short=True) -> str:
    """A group's days in week order, e.g. "Mon, Wed" (only the days it has)."""
    return ", ".join(name[:3] if short else name for n, name in WEEKDAYS if n in days)


@pghistory.track()
class Intervention(models.Model):
    """An entry in the school's intervention catalogue."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=100)
    area_of_need = models.CharField(max_length=8, choices=AreaOfNeed.choices)
    description = models.TextField(blank=True)
    usual_weeks = models.PositiveSmallIntegerField("Usual length (weeks)", default=6,
                                                   validators=[MinValueValidator(1), MaxValueValidator(52)])
    sessions_per_week = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1),
                                                                                  MaxValueValidator(10)])
    minutes_per_session = models.PositiveSmallIntegerField(default=30, validators=[MinValueValidator(5),
                                                                                     MaxValueValidator(240)])
    max_group_size = models.PositiveSmallIntegerField("Group size (most pupils)", default=6,
                                                      validators=[MinValueValidator(1), MaxValueValidator(30)])
    measure = models.CharField("Entry/exit measure", max_length=100, blank=True,
                               help_text="e.g. Boxall Profile, SDQ, reading age in months")
    measure_min = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    measure_max = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    higher_is_better = models.BooleanField(default=True)
    cost_per_session = models.DecimalField("Cost per session (£)", max_digits=8, decimal_places=2, null=True,
                                           blank=True, validators=[MinValueValidator(Decimal("0"))])
    cost_per_hour = models.DecimalField("Cost per hour (£)", max_digits=8, decimal_places=2, null=True, blank=True,
                                        validators=[MinValueValidator(Decimal("0"))])
    rates_sessions = models.BooleanField("Rate each pupil's session target", default=False,
                                         help_text="A rating on the progress scale per pupil per session")
    records_regulation = models.BooleanField("Record regulation (sensory circuits, Zones)", default=False,
                                             help_text="More regulated, no change or less regulated after each session")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["school", "name"], name="intervention_unique_name")]

    def __str__(self):
        return self.name

    def session_cost(self, minutes: int) -> Decimal:
        """What one session costs the school: the per-session price, else the hourly rate."""
        if self.cost_per_session is not None:
            return self.cost_per_session
        if self.cost_per_hour is not None:
            return (self.cost_per_hour * minutes / 60).quantize(Decimal("0.01"))
        return Decimal("0")


@pghistory.track()
class Group(models.Model):
    """One run of an intervention: its staff, days, time and dates. A 1:1 is a group of one."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    intervention = models.ForeignKey(Intervention, on_delete=models.PROTECT, related_name="groups")
    name = models.CharField(max_length=100, help_text="e.g. ELSA Tuesday, Lego club Y3")
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True,
                                   verbose_name="Staff who run it")
    days = ArrayField(models.PositiveSmallIntegerField(choices=WEEKDAYS), default=list)
    starts_at = models.TimeField("Time")
    minutes_per_session = models.PositiveSmallIntegerField(validators=[MinValueValidator(5), MaxValueValidator(240)])
    start_date = models.DateField()
    planned_end_date = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["intervention__name", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(planned_end_date__gte=models.F("start_date")),
                                   name="group_ends_after_start"),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("interventions:group", args=[self.pk])

    @property
    def last_day(self) -> datetime.date:
        return self.ended_on or self.planned_end_date

    @property
    def day_names(self) -> str:
        return day_names(self.days)

    def planned_dates(self, until: datetime.date | None = None) -> list[datetime.date]:
        """The dates sessions are due on, from the start to the end (or `until`), on its days."""
        return self.meeting_dates(self.start_date, min(self.last_day, until) if until else self.last_day)

    def meeting_dates(self, first: datetime.date, last: datetime.date) -> list[datetime.date]:
        """The dates from `first` to `last` (both included) that fall on the group's days."""
        day, out = first, []
        while day <= last:
            if day.weekday() in self.days:
                out.append(day)
            day += datetime.timedelta(days=1)
        return out


class ReviewDecision(models.TextChoices):
    CONTINUE = "continue", "Continue"
    CHANGE = "change", "Change"
    STOP = "stop", "Stop"


class ReviewScore(models.IntegerChoices):
    NO_IMPACT = 1, "1 · No impact"
    LITTLE = 2, "2 · A little"
    SOME = 3, "3 · Some"
    GOOD = 4, "4 · Good"
    TARGET_MET = 5, "5 · Target met"


@pghistory.track()
class Placement(models.Model):
    """A pupil on a group: their SMART target, what in the EHCP it serves, entry/exit scores and
    the review at the end."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="placements")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="intervention_placements")
    smart_target = models.TextField("SMART target")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name="EHCP or SEN support outcome it serves")
    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                  verbose_name="Provision item it delivers")
    start_date = models.DateField()
    end_date = models.DateField("Planned end")
    review_due = models.DateField()
    entry_score = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    entry_date = models.DateField(null=True, blank=True)
    exit_score = models.DecimalField(max_digits=6, decimal_places=1, null=True, blank=True)
    exit_date = models.DateField(null=True, blank=True)
    target_progress = models.PositiveSmallIntegerField(choices=Rating.choices, null=True, blank=True)
    # The review at the end: continue, change or stop, scored on a simple scale.
    reviewed_on = models.DateField(null=True, blank=True)
    review_decision = models.CharField(max_length=10, choices=ReviewDecision.choices, blank=True)
    review_score = models.PositiveSmallIntegerField(choices=ReviewScore.choices, null=True, blank=True)
    review_notes = models.TextField(blank=True)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+")
    ended_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["group", "pupil__legal_last_name"]
        constraints = [
            models.UniqueConstraint(fields=["group", "pupil"], name="placement_once_per_group"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")),
                                   name="placement_ends_after_start"),
            models.CheckConstraint(condition=Q(exit_date__isnull=True) | Q(entry_date__isnull=False),
                                   name="placement_exit_after_entry_exists"),
        ]
        indexes = [models.Index(fields=["pupil", "start_date"], name="placement_pupil")]

    def __str__(self):
        return f"{self.pupil} on {self.group}"

    def get_absolute_url(self):
        return reverse("interventions:placement", args=[self.pk])

    @property
    def change(self) -> Decimal | None:
        """Exit minus entry on the intervention's own measure (None until both are in)."""
        if self.entry_score is None or self.exit_score is None:
            return None
        return self.exit_score - self.entry_score


class SessionStatus(models.TextChoices):
    DELIVERED = "delivered", "Delivered"
    CANCELLED = "cancelled", "Cancelled"


@pghistory.track()
class Session(models.Model):
    """A session as it happened (or was cancelled, with the reason). One per group per date."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, related_name="sessions")
    date = models.DateField()
    status = models.CharField(max_length=10, choices=SessionStatus.choices, default=SessionStatus.DELIVERED)
    cancel_reason = models.CharField(max_length=200, blank=True)
    minutes = models.PositiveSmallIntegerField(null=True, blank=True,
                                               validators=[MinValueValidator(1), MaxValueValidator(240)])
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-date"]
        constraints = [models.UniqueConstraint(fields=["group", "date"], name="session_once_per_day")]
        indexes = [models.Index(fields=["group", "-date"], name="session_group_date")]


class AttendanceStatus(models.TextChoices):
    PRESENT = "present", "Present"
    ABSENT = "absent", "Absent"


class Regulation(models.TextChoices):
    MORE = "more", "More regulated"
    SAME = "same", "No change"
    LESS = "less", "Less regulated"


@pghistory.track()
class Attendance(models.Model):
    session = models.ForeignKey(Session, on_delete=models.PROTECT, related_name="attendance")
    placement = models.ForeignKey(Placement, on_delete=models.PROTECT, related_name="attendance")
    status = models.CharField(max_length=8, choices=AttendanceStatus.choices)
    absence_reason = models.CharField(max_length=200, blank=True)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices, null=True, blank=True)
    regulation = models.CharField(max_length=6, choices=Regulation.choices, blank=True)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "placement"], name="attendance_once")]


class TherapyService(models.TextChoices):
    SALT = "salt", "Speech and language therapy"
    OT = "ot", "Occupational therapy"
    EP = "ep", "Educational psychology"
    PHYSIO = "physio", "Physiotherapy"
    OTHER = "other", "Other"


def therapy_report_path(instance, filename):
    import uuid

    return f"private/therapy-reports/{instance.school_id}/{uuid.uuid4().hex}"


@pghistory.track()
class TherapyProgramme(models.Model):
    """A programme set by an external therapist, delivered in school (evidence for section F)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="therapy_programmes")
    therapist = models.CharField("Therapist", max_length=120)
    service = models.CharField(max_length=8, choices=TherapyService.choices)
    service_name = models.CharField("Which service", max_length=120, blank=True,
                                    help_text="e.g. NHS Children's SALT, the LA's EP service")
    set_on = models.DateField("Date set")
    targets = models.TextField()
    activities = models.TextField()
    frequency = models.CharField("How often", max_length=120)
    review_on = models.DateField("Review date")
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name="Outcome it serves")
    report = models.FileField("Therapist's report", upload_to=therapy_report_path, blank=True)
    report_name = models.CharField(max_length=200, blank=True)
    staff = models.ManyToManyField(settings.AUTH_USER_MODEL, related_name="+", blank=True,
                                   verbose_name="Staff who deliver it")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=200, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")

    class Meta:
        ordering = ["-set_on"]

    def __str__(self):
        return f"{self.get_service_display()} programme ({self.therapist})"

    def get_absolute_url(self):
        return reverse("interventions:programme", args=[self.pk])


@pghistory.track()
class Reopening(models.Model):
    """An ending undone: a group or programme ended by mistake and re-opened by the SENCo, with why.
    The ending it undid (date, reason, who) is copied here from the run, whose own ending fields are
    cleared (their history keeps them too), so its page can still say "Ended on X by Y: reason;
    re-opened on Z by W: reason". For a group, how many placements and cancelled sessions the
    undoing restored."""

    group = models.ForeignKey(Group, on_delete=models.PROTECT, null=True, blank=True, related_name="reopenings")
    programme = models.ForeignKey(TherapyProgramme, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="reopenings")
    ended_on = models.DateField()
    end_reason = models.CharField(max_length=200, blank=True)
    ended_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+")
    reason = models.CharField(max_length=200)
    reopened_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reopened_at = models.DateTimeField(default=timezone.now)
    placements_reopened = models.PositiveSmallIntegerField(default=0)
    sessions_restored = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["reopened_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(group__isnull=False, programme__isnull=True)
                                   | Q(group__isnull=True, programme__isnull=False), name="reopening_of_one_run"),
        ]


@pghistory.track()
class ProgrammeDelivery(models.Model):
    """One line of a therapy programme's delivery log, filled in by the TA who delivered it."""

    programme = models.ForeignKey(TherapyProgramme, on_delete=models.PROTECT, related_name="deliveries")
    delivered_on = models.DateField()
    minutes = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(240)])
    note = models.TextField(blank=True)
    rating = models.PositiveSmallIntegerField(choices=Rating.choices, null=True, blank=True)
    delivered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-delivered_on", "-id"]
