"""Demo plans: EHCPs (sections, outcomes with SMART targets, provision linked to outcomes and
dated evidence), SEN support plans, behaviour support and positive-handling plans, and annual
reviews, some due soon and some overdue so the SENCo's lists have something to show."""

import datetime
import uuid

from django.utils import timezone

from .models import (
    AnnualReview, BehaviourSupportPlan, Outcome, Plan, PositiveHandlingPlan, ProgressEvidence, Provision,
    ProvisionOutcome, Rating, Risk, Target, VersionStatus,
)

TODAY = datetime.date(2026, 11, 24)

AREA_FOR_NEED = {"SLCN": "ci", "ASD": "ci", "SPLD": "cl", "MLD": "cl", "SLD": "cl", "PMLD": "cl", "SEMH": "semh",
                 "VI": "sp", "HI": "sp", "MSI": "sp", "PD": "sp", "OTH": "cl", "NSA": "cl"}

OUTCOMES = {
    "ci": [("By the end of Key Stage {ks}, {name} will start and keep a conversation with a peer for 3-4 turns "
            "in structured play.", ["Takes 2 turns in a Lego-based therapy session with adult prompts",
                                     "Asks a peer a question using a visual prompt card",
                                     "Keeps a 3-turn exchange at lunch without adult help"]),
           ("{name} will tell an adult when they need help or a break, using words, PECS or a break card.",
            ["Hands over the break card when the adult notices early signs",
             "Uses the break card without a prompt in 3 of 5 lessons",
             "Says or signs 'help please' in class"])],
    "cl": [("{name} will read and understand age-appropriate texts, decoding unfamiliar words using phonics.",
            ["Reads phase 5 graphemes with 90% accuracy", "Reads a decodable book at 60 words a minute",
             "Answers 3 retrieval questions about a short text"]),
           ("{name} will use number facts to 20 confidently to solve problems.",
            ["Recalls number bonds to 10 in under 5 seconds", "Uses a number line to add within 20",
             "Solves one-step word problems with concrete resources"])],
    "semh": [("{name} will recognise when they are becoming anxious and use a calming strategy with support.",
              ["Names their zone on the Zones of Regulation chart at check-in",
               "Chooses a calming strategy from their card when in the yellow zone",
               "Returns to learning within 10 minutes after a break"]),
             ("{name} will take part in group activities at break time for most of the session.",
              ["Joins a structured game for 5 minutes with an adult nearby",
               "Plays a turn-taking game with two peers", "Stays with the group for most of lunch play"])],
    "sp": [("{name} will move around school safely and independently, including stairs and the playground.",
            ["Uses the handrail on the stairs without prompting", "Finds the way from class to the hall",
             "Moves across the playground at busy times with a buddy"]),
           ("{name} will use their assistive technology to record their learning independently.",
            ["Logs on and opens the right app", "Records two sentences with speech-to-text",
             "Saves and shares work with the teacher"])],
}

PROVISION = [
    ("Daily 1:1 support from a trained teaching assistant for literacy and communication targets", "Teaching assistant",
     "Daily", 20, "1:1"),
    ("Small-group Lego-based therapy to develop social communication", "TA trained in Lego-based therapy",
     "Weekly", 45, "1:3"),
    ("Emotional literacy support (ELSA) sessions", "ELSA-trained teaching assistant", "Weekly for 8 weeks", 30, "1:1"),
    ("Speech and language therapy programme delivered in school", "Teaching assistant, set by the NHS SaLT",
     "3 times a week", 15, "1:1"),
    ("Sensory circuit before school and after lunch", "Teaching assistant", "Twice daily", 10, "1:4"),
    ("Precision teaching for number facts", "Teaching assistant", "4 times a week", 10, "1:1"),
]

EVIDENCE_NOTES = [
    "Did this with one prompt today; pleased with himself.", "Managed it independently in maths.",
    "Needed the visual card twice but got there.", "Not today: tired after a poor night (mum said).",
    "Used it without prompting at lunch. First time!", "Good progress in the small group session.",
    "Needed full adult support; new supply teacher in class.", "Showed this three times this week.",
]


def seed(ctx) -> None:
    now = timezone.now()
    for school in ctx.schools:
        pupils = [p for p in ctx.pupils.get(school, []) if p.sen_status in ("E", "K")]
        staff = ctx.staff[school]
        senco = staff["senco"][0]
        recorders = staff.get("ta", []) + staff.get("teacher", [])[:2] or [senco]
        plans, outcomes, targets = [], [], []
        for pupil in pupils:
            ehcp = pupil.sen_status == "E"
            issued = TODAY - datetime.timedelta(days=ctx.rng.randint(200, 1100))
            last_review = None
            if ehcp and (TODAY - issued).days > 365:
                # most had a review last year; a few are overdue
                last_review = TODAY - datetime.timedelta(days=ctx.rng.randint(250, 400))
            plans.append(Plan(
                pupil=pupil, kind="ehcp" if ehcp else "sen_support", status=VersionStatus.IN_FORCE,
                created_by=senco, signed_off_by=senco, in_force_from=now, lineage=uuid.uuid4(),
                local_authority=ctx.spec(school).local_authority if ehcp else "",
                la_coordinator=ctx.fake.name() if ehcp else "", date_issued=issued if ehcp else None,
                last_annual_review=last_review,
                section_a=f"{pupil.preferred_name or pupil.legal_first_name} loves {pupil.likes or 'drawing'} and "
                          "wants to be a vet. They want to make friends and feel calm at school." if ehcp else "",
                section_b=(pupil.diagnoses or f"{pupil.get_primary_need_display()}.") if ehcp else "",
                section_i=school.name if ehcp else "",
                cycle_starts_on=None if ehcp else TODAY - datetime.timedelta(days=ctx.rng.randint(10, 80)),
                review_due_on=None if ehcp else TODAY + datetime.timedelta(days=ctx.rng.randint(-14, 84)),
                assess_notes="" if ehcp else "Baseline from class teacher and reading assessment in September.",
                plan_notes="" if ehcp else "Targets agreed with parents at the autumn meeting.",
            ))
        Plan.objects.bulk_create(plans)
        provision_rows, links, evidence = [], [], []
        for plan in plans:
            area = AREA_FOR_NEED.get(plan.pupil.primary_need, "cl")
            areas = [area] + ([AREA_FOR_NEED.get(plan.pupil.secondary_need)] if plan.pupil.secondary_need else [])
            name = plan.pupil.preferred_name or plan.pupil.legal_first_name
            for order, a in enumerate(dict.fromkeys(x for x in areas if x)):
                for text, steps in OUTCOMES[a][: 2 if plan.is_ehcp else 1]:
                    outcome = Outcome(plan=plan, area_of_need=a, order=order, text=text.format(name=name, ks=2),
                                      target_date=TODAY + datetime.timedelta(days=240))
                    outcomes.append(outcome)
                    targets += [Target(outcome=outcome, text=s, order=i) for i, s in enumerate(steps)]
        Outcome.objects.bulk_create(outcomes)
        Target.objects.bulk_create(targets)
        by_plan = {}
        for o in outcomes:
            by_plan.setdefault(o.plan_id, []).append(o)
        for plan in plans:
            plan_outcomes = by_plan.get(plan.pk, [])
            for desc, who, freq, minutes, ratio in ctx.rng.sample(PROVISION, 3 if plan.is_ehcp else 1):
                item = Provision(plan=plan, description=desc, delivered_by=who, frequency=freq, minutes=minutes,
                                 group_size=ratio, starts_on=TODAY - datetime.timedelta(days=60))
                provision_rows.append((item, ctx.rng.sample(plan_outcomes, min(2, len(plan_outcomes)))))
            for outcome in plan_outcomes:
                rating = 0
                days_ago = sorted((ctx.rng.randint(1, 300 * ctx.years) for _ in range(ctx.rng.randint(2, 3 + 3 * ctx.years))),
                                  reverse=True)
                for ago in days_ago:  # oldest first, so ratings rise (mostly) over time
                    rating = min(4, rating + ctx.rng.choice([0, 0, 1]))
                    evidence.append(ProgressEvidence(
                        pupil=plan.pupil, outcome=outcome, outcome_lineage=outcome.lineage,
                        observed_on=TODAY - datetime.timedelta(days=ago),
                        note=ctx.rng.choice(EVIDENCE_NOTES), rating=Rating(rating),
                        recorded_by=ctx.rng.choice(recorders)))
        Provision.objects.bulk_create([p for p, _ in provision_rows])
        links = [ProvisionOutcome(provision=p, outcome=o) for p, served in provision_rows for o in served]
        ProvisionOutcome.objects.bulk_create(links)
        ProgressEvidence.objects.bulk_create(evidence)
        _behaviour_plans(ctx, school, pupils, senco)
        _reviews(ctx, plans, senco)
        ctx.log(f"  {school.name}: {len(plans)} plans, {len(outcomes)} outcomes, {len(evidence)} evidence entries")


def _behaviour_plans(ctx, school, pupils, senco):
    bsps, phps = [], []
    for pupil in pupils:
        if pupil.primary_need not in ("SEMH", "ASD") or ctx.rng.random() > 0.5:
            continue
        bsps.append(BehaviourSupportPlan(
            pupil=pupil, status=VersionStatus.IN_FORCE, created_by=senco, signed_off_by=senco,
            in_force_from=timezone.now(), behaviours_of_concern="Leaves the classroom without permission; "
            "throws equipment when asked to start written work.",
            setting_events="Poor sleep; changes of staff; days after contact visits.",
            triggers=pupil.known_triggers or "Unexpected changes; noisy transitions.",
            early_warning_signs=pupil.early_warning_signs or "Pacing, humming loudly, pulling hood up.",
            likely_function=ctx.rng.choice(["escape", "sensory", "attention"]),
            proactive_strategies="Visual timetable checked at each transition\nNow-and-next board for written work\n"
                                 "Movement break after 15 minutes of seated work",
            deescalation_strategies="Use few words, calm voice\nOffer the quiet corner or a walk\n"
                                    "Give a choice of two tasks\nReduce demands; don't insist on eye contact",
            reactive_strategies="Make the area safe and move other pupils away\nOne named adult speaks\n"
                                "Call the SENCo or on-call leader",
            post_incident_support="Time in the calm room, a drink, then a short restorative chat using comic-strip "
                                  "conversation.",
            review_date=TODAY + datetime.timedelta(days=ctx.rng.randint(-10, 90)),
            parents_agreed_on=TODAY - datetime.timedelta(days=ctx.rng.randint(20, 120)),
            parents_agreement_notes="Agreed at a meeting with mum"))
        if ctx.rng.random() < 0.25:
            phps.append(PositiveHandlingPlan(
                pupil=pupil, status=VersionStatus.IN_FORCE, created_by=senco, signed_off_by=senco,
                in_force_from=timezone.now(), training_scheme="team_teach",
                approved_techniques="Friendly escort (single elbow)\nDouble elbow to guide to a safe space",
                prohibited_techniques="No holds on the floor or restricting breathing (asthma).",
                stage_anxiety="Pacing, hood up: offer a walk.", stage_escalation="Shouting, throwing: clear the "
                "space, one adult speaks.", stage_crisis="Running at others: guide to a safe space using the "
                "agreed hold, for the shortest time.", recovery="Calm room, drink, reconnect with key adult.",
                review_date=TODAY + datetime.timedelta(days=ctx.rng.randint(10, 120)),
                parents_agreed_on=TODAY - datetime.timedelta(days=30)))
    BehaviourSupportPlan.objects.bulk_create(bsps)
    PositiveHandlingPlan.objects.bulk_create(phps)
    Risk.objects.bulk_create([Risk(plan=php, hazard="Throwing equipment when dysregulated",
                                   who_is_at_risk="Peers and staff", likelihood=3, severity=3,
                                   control_measures="Clear desk of heavy items; early de-escalation; calm room",
                                   residual_likelihood=2, residual_severity=2, owner="SENCo") for php in phps])


def _reviews(ctx, plans, senco):
    reviews = []
    for plan in plans:
        due = plan.next_review_due
        if plan.is_ehcp and due and due < TODAY + datetime.timedelta(days=56) and ctx.rng.random() < 0.6:
            reviews.append(AnnualReview(pupil=plan.pupil, plan=plan, meeting_date=max(due, TODAY + datetime.timedelta(days=7)),
                                        created_by=senco, attendees="Parent\nClass teacher\nSENCo"))
    AnnualReview.objects.bulk_create(reviews)
