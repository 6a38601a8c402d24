"""Demo safeguarding concerns: a handful per school, raised by TAs and teachers, with the DSL's
actions, decisions, referrals and statuses; one or two linked to serious incidents when the
incidents seeder has made some. One concern per school is new (nothing done yet), so the DSL's
home page has something waiting. Every name and reference is invented."""

import datetime

from django.utils import timezone

from .models import ActionKind, Agency, Concern, ConcernAction, Status

# Each: what the raiser wrote, then the team's entries as (days after it was raised, kind, fields).
SCENARIOS = [
    dict(
        place="PE changing area",
        facts="While {name} was changing for PE I saw four round bruises on the top of the left arm, each about "
              "the size of a fingertip, yellow-green in colour. {name} pulled the sleeve down quickly when they saw "
              "me look.",
        words="I fell off my bike.",
        opinion="The marks looked like a grip to me, not a fall.",
        immediate="Did not ask leading questions. Told the DSL in person at break.",
        regions=["left_arm"],
        actions=[
            (0, ActionKind.ACTION, dict(text="Spoke with {name} in the nurture room with the class TA present. "
                                             "Same account given (bike).", owner="DSL",
                                        outcome="Account consistent; no further disclosure.")),
            (1, ActionKind.NOTE, dict(text="Phoned mum. She said {name} fell off a bike at the weekend at "
                                           "grandma's; she had seen the bruises.")),
            (1, ActionKind.DECISION, dict(text="No referral now. Monitor for two weeks; check in daily with the "
                                               "key adult.",
                                          reason="Explanation plausible and consistent from child and parent; no "
                                                 "previous concerns on file.")),
            (1, ActionKind.STATUS, dict(new_status=Status.MONITORING, reason="Daily check-ins for two weeks.")),
        ],
    ),
    dict(
        place="Breakfast club",
        facts="{name} arrived at 8:10 and ate three slices of toast and asked for more. Same school jumper all week, "
              "with food stains. Said they were tired and had been up late.",
        words="There's nothing in the cupboards, mum's asleep when I get up.",
        opinion="",
        immediate="Gave breakfast and a spare jumper from lost property. Told the DSL.",
        regions=[],
        actions=[
            (0, ActionKind.ACTION, dict(text="Checked attendance and previous notes: lateness up this half term.",
                                        owner="Deputy DSL", outcome="Pattern since October half term.")),
            (2, ActionKind.REFERRAL, dict(agency=Agency.EARLY_HELP, reference="EH-{ref}",
                                          text="Early help assessment requested with mum's agreement: food, "
                                               "routines, mum's health.",
                                          outcome="Family support worker allocated.")),
            (2, ActionKind.STATUS, dict(new_status=Status.MONITORING,
                                        reason="Early help in place; free breakfast club place offered.")),
        ],
    ),
    dict(
        place="Classroom, at the end of the day",
        facts="When I said it was nearly home time {name} hid under the table and would not come out. After 10 "
              "minutes {name} told me the following.",
        words="Don't make me go home. Dave shouts and punches the wall and mum cries.",
        opinion="",
        immediate="Stayed with {name}, reassured them they had done the right thing telling me. Fetched the DSL "
                  "straight away.",
        regions=[],
        actions=[
            (0, ActionKind.DECISION, dict(text="Refer to children's social care today.",
                                          reason="Disclosure of domestic abuse in the home; child frightened to go "
                                                 "home.")),
            (0, ActionKind.REFERRAL, dict(agency=Agency.SOCIAL_CARE, reference="CSC-{ref}",
                                          text="Phoned the front door (MASH) at 15:40; written referral sent at "
                                               "16:30.",
                                          outcome="Strategy discussion held; social worker visited the home the "
                                                  "same evening.")),
            (0, ActionKind.STATUS, dict(new_status=Status.REFERRED, reason="Referred to children's social care.")),
            (3, ActionKind.NOTE, dict(text="Operation Encompass notification received from the police for an "
                                           "incident at the home address at the weekend.")),
        ],
    ),
    dict(
        place="ICT suite",
        facts="{name} showed me messages on their phone from someone on a game who says they are 14. The person "
              "asked {name} to send photos and to keep it a secret.",
        words="He said he'd stop being my friend if I told anyone.",
        opinion="",
        immediate="Did not take the phone or screenshot. Told {name} they were right to show me; took them to the "
                  "DSL.",
        regions=[],
        actions=[
            (0, ActionKind.REFERRAL, dict(agency=Agency.POLICE, reference="POL-{ref}",
                                          text="Reported online grooming concern to the police (101) with parents' "
                                               "knowledge.", outcome="Officer visited; phone taken as evidence.")),
            (0, ActionKind.REFERRAL, dict(agency=Agency.SOCIAL_CARE, reference="CSC-{ref}",
                                          text="Referral to children's social care as well.", owner="DSL")),
            (0, ActionKind.STATUS, dict(new_status=Status.REFERRED, reason="Police and social care involved.")),
            (7, ActionKind.ACTION, dict(text="Online safety sessions with {name} and parents.", owner="Computing "
                                        "lead", outcome="Parents set up controls on the game.")),
        ],
    ),
    dict(
        place="Hygiene room",
        facts="During personal care I saw red, sore skin at the top of both legs, larger than last week. {name} "
              "cried when being changed, which is unusual.",
        words="",
        opinion="It may be a rash that needs a doctor.",
        immediate="Recorded on the intimate care log. Told the class teacher and the DSL.",
        regions=["left_leg", "right_leg"],
        actions=[
            (0, ActionKind.ACTION, dict(text="Asked parents to take {name} to the GP.", owner="Class teacher",
                                        outcome="GP diagnosed a fungal rash; cream prescribed.")),
            (4, ActionKind.DECISION, dict(text="No further action.",
                                          reason="Medical explanation from the GP; parents acted straight away.")),
            (4, ActionKind.STATUS, dict(new_status=Status.CLOSED, reason="Resolved: medical cause.")),
        ],
    ),
    dict(
        place="Corridor by the library",
        facts="{name} was very quiet and would not go into lunch. When I asked if they were OK they rolled up a "
              "sleeve and I saw thin straight cuts on the inside of the right wrist, some scabbed.",
        words="It helps when my head is too loud.",
        opinion="",
        immediate="Took {name} to the first aid room; cuts cleaned. Stayed with them until the DSL came.",
        regions=["right_hand"],
        actions=[],  # new: nothing done yet
    ),
]

LINKED = dict(
    place="Playground",
    facts="After the incident, while calming down in the quiet room, {name} said the following without being "
          "asked.",
    words="If they send me home I'll get hit.",
    opinion="",
    immediate="Told {name} I would have to tell someone whose job it is to keep children safe. Went to the DSL.",
    regions=[],
    actions=[
        (0, ActionKind.ACTION, dict(text="Spoke with {name}, who repeated it.", owner="DSL",
                                    outcome="Not sent home; parent asked to come in.")),
        (0, ActionKind.DECISION, dict(text="Consult children's social care.",
                                      reason="Direct statement of risk of harm at home.")),
    ],
)


def seed(ctx) -> None:
    from incidents.models import Incident

    now = timezone.now()
    for school in ctx.schools:
        staff = ctx.staff[school]
        team = staff.get("dsl") or staff.get("senior") or []
        raisers = staff.get("ta", []) + staff.get("teacher", [])
        pupils = [p for p in ctx.pupils.get(school, []) if p.archived_at is None]
        if not team or not raisers or not pupils:
            continue
        scenarios = [(s, None) for s in SCENARIOS]
        serious = list(Incident.objects.filter(school=school, intensity__gte=4).select_related("pupil")
                       .order_by("-occurred_at", "-id")[:20])
        for incident in ctx.rng.sample(serious, min(2, len(serious))):
            if incident.pupil.archived_at is None:
                scenarios.append((LINKED, incident))
        made = 0
        for scenario, incident in scenarios:
            pupil = incident.pupil if incident else ctx.rng.choice(pupils)
            if incident:
                when = min(incident.occurred_at + datetime.timedelta(minutes=25), now - datetime.timedelta(hours=1))
            elif not scenario["actions"]:
                when = now - datetime.timedelta(hours=ctx.rng.randint(2, 20))  # the new one: today-ish
            else:
                when = now - datetime.timedelta(days=ctx.rng.randint(7, 150 * ctx.years), hours=ctx.rng.randint(0, 6))
            _concern(ctx, school, pupil, ctx.rng.choice(raisers), team, scenario, when, incident)
            made += 1
        ctx.log(f"  {school.name}: {made} safeguarding concerns")


def _concern(ctx, school, pupil, raiser, team, scenario, when, incident):
    name = pupil.preferred_name or pupil.legal_first_name
    fill = lambda text: text.format(name=name, ref=f"{ctx.rng.randint(10000, 99999)}")  # noqa: E731
    concern = Concern.objects.create(
        school=school, pupil=pupil, raised_by=raiser, recorded_at=when + datetime.timedelta(minutes=20),
        occurred_at=when, place=scenario["place"], facts=fill(scenario["facts"]), child_words=fill(scenario["words"]),
        opinion=fill(scenario["opinion"]), immediate_action=fill(scenario["immediate"]),
        body_regions=scenario["regions"], related_incident=incident)
    status, last, decision = Status.OPEN, None, None
    for i, (days, kind, fields) in enumerate(scenario["actions"]):
        at = concern.recorded_at + datetime.timedelta(days=days, hours=1 + i)
        at = min(at, timezone.now())
        author = ctx.rng.choice(team)
        values = {k: fill(v) if isinstance(v, str) and k not in ("agency", "new_status") else v
                  for k, v in fields.items()}
        if kind == ActionKind.STATUS:
            values.update(old_status=status, text=f"{Status(status).label} → {Status(values['new_status']).label}")
            status = values["new_status"]
        ConcernAction.objects.create(concern=concern, author=author, at=at, kind=kind, **values)
        if kind == ActionKind.DECISION:
            decision = (values["text"], values["reason"], at, author)
        last = at
    changes = {"status": status, "last_action_at": last}
    if decision:
        changes.update(dsl_decision=decision[0], dsl_decision_reason=decision[1], decided_at=decision[2],
                       decided_by=decision[3])
    Concern.objects.filter(pk=concern.pk).update(**changes)
    return concern
