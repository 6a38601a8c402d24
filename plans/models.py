"""Plans: EHCPs and SEN support plans (outcomes, targets, provision), progress evidence, annual
reviews, behaviour support plans and positive-handling plans with their risk assessments.

Plans are versioned: a draft is edited freely; putting it in force (issuing an EHCP, signing off a
behaviour plan) supersedes the version before; any later change starts a new draft copied from the
one in force, so earlier versions stay readable exactly as they were."""

import uuid
from datetime import date, timedelta

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from pupils.models import Pupil


def add_months(d: date, months: int) -> date:
    """Same day `months` later (clamped to the month's end: 29 Feb + 12 months -> 28 Feb)."""
    month_index = d.month - 1 + months
    year, month = d.year + month_index // 12, month_index % 12 + 1
    for day in (d.day, 30, 29, 28):
        try:
            return date(year, month, day)
        except ValueError:
            continue
    raise ValueError(d)


class AreaOfNeed(models.TextChoices):
    COMMUNICATION = "ci", "Communication and interaction"
    COGNITION = "cl", "Cognition and learning"
    SEMH = "semh", "Social, emotional and mental health"
    SENSORY_PHYSICAL = "sp", "Sensory and/or physical"
    INDEPENDENCE = "pfa", "Preparing for adulthood"


class Rating(models.IntegerChoices):
    """The one progress scale used across the product (DECISIONS.md)."""

    NOT_YET_STARTED = 0, "Not yet started"
    EMERGING = 1, "Emerging"
    DEVELOPING = 2, "Developing"
    SECURE = 3, "Secure"
    ACHIEVED = 4, "Achieved"


class VersionStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    IN_FORCE = "in_force", "In force"
    SUPERSEDED = "superseded", "Superseded"


class Versioned(models.Model):
    """What every versioned plan shares. `lineage` ties the versions of one plan together."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    lineage = models.UUIDField(default=uuid.uuid4, editable=False, db_index=True)
    version = models.PositiveSmallIntegerField(default=1, editable=False)
    status = models.CharField(max_length=12, choices=VersionStatus.choices, default=VersionStatus.DRAFT,
                              editable=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    in_force_from = models.DateTimeField(null=True, blank=True, editable=False)
    superseded_at = models.DateTimeField(null=True, blank=True, editable=False)
    signed_off_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                      null=True, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def is_draft(self):
        return self.status == VersionStatus.DRAFT

    @property
    def is_in_force(self):
        return self.status == VersionStatus.IN_FORCE


def one_in_force_per_pupil(name):
    return models.UniqueConstraint(fields=["pupil"], condition=Q(status="in_force"), name=name)


def one_draft_per_lineage(name):
    return models.UniqueConstraint(fields=["lineage"], condition=Q(status="draft"), name=name)


@pghistory.track()
class Plan(Versioned):
    """An EHCP (issued by the local authority) or a school's SEN support plan."""

    class Kind(models.TextChoices):
        EHCP = "ehcp", "EHCP"
        SEN_SUPPORT = "sen_support", "SEN support plan"

    kind = models.CharField(max_length=12, choices=Kind.choices)
    # EHCP only
    local_authority = models.CharField(max_length=120, blank=True)
    la_coordinator = models.CharField("LA SEN coordinator", max_length=120, blank=True)
    la_coordinator_contact = models.CharField("Coordinator's phone or email", max_length=120, blank=True)
    date_issued = models.DateField(null=True, blank=True)
    last_annual_review = models.DateField("Date of last annual review", null=True, blank=True)
    section_a = models.TextField("A: Views, interests and aspirations", blank=True)
    section_b = models.TextField("B: Special educational needs", blank=True)
    section_c = models.TextField("C: Health needs related to SEN", blank=True)
    section_d = models.TextField("D: Social care needs", blank=True)
    section_g = models.TextField("G: Health provision", blank=True)
    section_h1 = models.TextField("H1: Social care provision (CSDPA 1970 s2)", blank=True)
    section_h2 = models.TextField("H2: Other social care provision", blank=True)
    section_i = models.TextField("I: Placement (name and type)", blank=True)
    section_j = models.TextField("J: Personal budget", blank=True)
    section_k = models.TextField("K: Advice and information", blank=True)
    # SEN support: the graduated approach, assess - plan - do - review
    cycle_starts_on = models.DateField("Cycle starts", null=True, blank=True)
    review_due_on = models.DateField("Review due", null=True, blank=True)
    assess_notes = models.TextField("Assess", blank=True)
    plan_notes = models.TextField("Plan", blank=True)
    do_notes = models.TextField("Do", blank=True)
    review_notes = models.TextField("Review", blank=True)

    class Meta:
        constraints = [one_in_force_per_pupil("plan_one_in_force"), one_draft_per_lineage("plan_one_draft")]
        ordering = ["-version"]

    def __str__(self):
        return f"{self.get_kind_display()} v{self.version}"

    @property
    def is_ehcp(self):
        return self.kind == self.Kind.EHCP

    @property
    def next_review_due(self) -> date | None:
        """EHCP: within 12 months of issue, then of each previous review. SEN support: its review date."""
        if not self.is_ehcp:
            return self.review_due_on
        base = self.last_annual_review or self.date_issued
        return add_months(base, 12) if base else None

    def get_absolute_url(self):
        return reverse("plans:plan_detail", args=[self.pupil_id, self.pk])


@pghistory.track()
class Outcome(models.Model):
    """Section E outcome (or SEN support outcome). `lineage` follows it across plan versions so
    its evidence timeline continues when the plan is amended."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="outcomes")
    lineage = models.UUIDField(default=uuid.uuid4, db_index=True)
    area_of_need = models.CharField(max_length=4, choices=AreaOfNeed.choices)
    text = models.TextField("Outcome")
    pfa_domain = models.CharField("Preparing for adulthood domain", max_length=40, blank=True)
    target_date = models.DateField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["area_of_need", "order", "id"]

    def __str__(self):
        return self.text[:80]


@pghistory.track()
class Target(models.Model):
    """A SMART short-term target (step) towards an outcome."""

    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE, related_name="targets")
    lineage = models.UUIDField(default=uuid.uuid4, db_index=True)
    text = models.TextField("Target")
    target_date = models.DateField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self):
        return self.text[:80]


@pghistory.track()
class Provision(models.Model):
    """Section F: specified and quantified, linked to the outcomes it serves."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="provision")
    description = models.TextField()
    delivered_by = models.CharField(max_length=120, help_text="Role or qualification, e.g. TA trained in ELSA")
    frequency = models.CharField(max_length=80, help_text="e.g. 3 times a week")
    minutes = models.PositiveSmallIntegerField("Minutes per session", null=True, blank=True)
    group_size = models.CharField("Group size or ratio", max_length=40, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)
    outcomes = models.ManyToManyField(Outcome, through="ProvisionOutcome", related_name="provision", blank=True)

    class Meta:
        ordering = ["id"]


@pghistory.track()
class ProvisionOutcome(models.Model):
    provision = models.ForeignKey(Provision, on_delete=models.CASCADE)
    outcome = models.ForeignKey(Outcome, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["provision", "outcome"], name="provision_outcome_unique")]


def evidence_file_path(instance, filename):
    return f"private/evidence/{instance.evidence.pupil.school_id}/{uuid.uuid4().hex}"


@pghistory.track()
class ProgressEvidence(models.Model):
    """Dated evidence towards an outcome (or one of its targets). Append-only: a correction is a
    new entry."""

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    outcome_lineage = models.UUIDField(db_index=True)
    outcome = models.ForeignKey(Outcome, on_delete=models.PROTECT, related_name="evidence")
    target = models.ForeignKey(Target, on_delete=models.PROTECT, null=True, blank=True, related_name="evidence")
    observed_on = models.DateField(default=timezone.localdate)
    note = models.TextField()
    rating = models.PositiveSmallIntegerField(choices=Rating.choices)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-observed_on", "-recorded_at"]
        indexes = [models.Index(fields=["outcome_lineage", "-observed_on"], name="evidence_timeline")]


@pghistory.track()
class EvidenceFile(models.Model):
    evidence = models.ForeignKey(ProgressEvidence, on_delete=models.PROTECT, related_name="files")
    file = models.FileField(upload_to=evidence_file_path)
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


@pghistory.track()
class AnnualReview(models.Model):
    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        PAPERS_SENT = "papers_sent", "Papers sent"
        HELD = "held", "Meeting held"
        REPORT_SENT = "report_sent", "Report sent to the LA"

    class Kind(models.TextChoices):
        ANNUAL = "annual", "Annual review"
        INTERIM = "interim", "Interim review"
        PHASE_TRANSFER = "phase_transfer", "Phase transfer review"

    pupil = models.ForeignKey(Pupil, on_delete=models.PROTECT, related_name="+")
    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="reviews")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.ANNUAL)
    meeting_date = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PLANNED)
    attendees = models.TextField(blank=True, help_text="One per line: name and role")
    pupil_views = models.TextField("The pupil's views", blank=True)
    parent_views = models.TextField("The parents' views", blank=True)
    what_is_working = models.TextField(blank=True)
    what_is_not_working = models.TextField(blank=True)
    proposed_outcome_changes = models.TextField("Proposed changes to outcomes", blank=True)
    proposed_provision_changes = models.TextField("Proposed changes to provision", blank=True)
    papers_sent_on = models.DateField(null=True, blank=True)
    report_sent_on = models.DateField("Report sent to the LA on", null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-meeting_date"]

    @property
    def papers_due_by(self) -> date:
        """Advice circulated at least two weeks before the meeting."""
        return self.meeting_date - timedelta(days=14)

    @property
    def report_due_by(self) -> date:
        """The school's report to the LA within two weeks of the meeting."""
        return self.meeting_date + timedelta(days=14)

    def get_absolute_url(self):
        return reverse("plans:review_detail", args=[self.pupil_id, self.pk])


@pghistory.track()
class BehaviourSupportPlan(Versioned):
    """Positive behaviour support plan. Drafted, signed off by the SENCo with the parents'
    agreement recorded; its strategies are the quick-pick list for incident logging."""

    behaviours_of_concern = models.TextField()
    setting_events = models.TextField("Setting events (slow triggers)", blank=True)
    triggers = models.TextField("Triggers (fast triggers)", blank=True)
    early_warning_signs = models.TextField(blank=True)
    likely_function = models.CharField(max_length=20, blank=True, choices=[
        ("escape", "Escape or avoidance"), ("attention", "Attention"), ("tangible", "Tangible"),
        ("sensory", "Sensory or automatic"), ("unclear", "Not yet clear")])
    function_notes = models.TextField("About the function", blank=True)
    proactive_strategies = models.TextField(blank=True, help_text="One strategy per line")
    deescalation_strategies = models.TextField("De-escalation strategies", blank=True, help_text="One per line")
    reactive_strategies = models.TextField("Reactive / crisis strategies", blank=True, help_text="One per line")
    post_incident_support = models.TextField(blank=True)
    review_date = models.DateField()
    parents_agreed_on = models.DateField("Parents agreed on", null=True, blank=True)
    parents_agreement_notes = models.CharField("How the parents agreed", max_length=200, blank=True)

    class Meta:
        constraints = [one_in_force_per_pupil("bsp_one_in_force"), one_draft_per_lineage("bsp_one_draft")]
        ordering = ["-version"]

    def strategies(self) -> list[str]:
        """The quick-pick list for incident logging, in the plan's order."""
        lines = []
        for block in (self.proactive_strategies, self.deescalation_strategies, self.reactive_strategies):
            lines += [line.strip(" -•\t") for line in block.splitlines() if line.strip(" -•\t")]
        return list(dict.fromkeys(lines))

    def get_absolute_url(self):
        return reverse("plans:bsp_detail", args=[self.pupil_id, self.pk])


@pghistory.track()
class PositiveHandlingPlan(Versioned):
    approved_techniques = models.TextField(help_text="Holds and techniques, with the training scheme, one per line")
    training_scheme = models.CharField(max_length=30, blank=True,
                                       choices=[("team_teach", "TEAM-TEACH"), ("cpi", "CPI Safety Intervention"),
                                                ("mapa", "MAPA"), ("other", "Other")])
    prohibited_techniques = models.TextField("Techniques that must not be used, and why", blank=True)
    stage_anxiety = models.TextField("Stage 1, anxiety: signs and response", blank=True)
    stage_escalation = models.TextField("Stage 2, escalation: signs and response", blank=True)
    stage_crisis = models.TextField("Stage 3, crisis: signs and response", blank=True)
    recovery = models.TextField("Recovery and repair", blank=True)
    trained_staff = models.ManyToManyField(settings.AUTH_USER_MODEL, through="PHPTrainedStaff", blank=True,
                                           related_name="+")
    review_date = models.DateField()
    parents_agreed_on = models.DateField("Parents agreed on", null=True, blank=True)

    class Meta:
        constraints = [one_in_force_per_pupil("php_one_in_force"), one_draft_per_lineage("php_one_draft")]
        ordering = ["-version"]

    def get_absolute_url(self):
        return reverse("plans:php_detail", args=[self.pupil_id, self.pk])


@pghistory.track()
class PHPTrainedStaff(models.Model):
    plan = models.ForeignKey(PositiveHandlingPlan, on_delete=models.CASCADE)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["plan", "user"], name="php_staff_unique")]


@pghistory.track()
class Risk(models.Model):
    """A risk assessment row on a positive-handling plan."""

    plan = models.ForeignKey(PositiveHandlingPlan, on_delete=models.CASCADE, related_name="risks")
    hazard = models.TextField()
    who_is_at_risk = models.CharField(max_length=120)
    likelihood = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(1, 6)])
    severity = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(1, 6)])
    control_measures = models.TextField()
    residual_likelihood = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(1, 6)],
                                                           null=True, blank=True)
    residual_severity = models.PositiveSmallIntegerField(choices=[(i, str(i)) for i in range(1, 6)],
                                                         null=True, blank=True)
    owner = models.CharField(max_length=120, blank=True)

    class Meta:
        ordering = ["id"]

    @property
    def score(self):
        return self.likelihood * self.severity

    @property
    def residual_score(self):
        if self.residual_likelihood and self.residual_severity:
            return self.residual_likelihood * self.residual_severity
        return None
