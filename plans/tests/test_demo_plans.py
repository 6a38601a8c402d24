from django.core.management import call_command

from plans.models import BehaviourSupportPlan, Plan, ProgressEvidence, ProvisionOutcome
from pupils.models import Pupil


def test_demo_gives_every_send_pupil_a_plan_with_outcomes_provision_and_evidence(db):
    call_command("seed_demo", pupils=40, schools=1, stdout=open("/dev/null", "w"))
    for pupil in Pupil.objects.filter(sen_status__in=["E", "K"]):
        plan = Plan.objects.get(pupil=pupil, status="in_force")
        assert plan.kind == ("ehcp" if pupil.sen_status == "E" else "sen_support")
        assert plan.outcomes.exists() and all(o.targets.exists() for o in plan.outcomes.all())
        assert ProvisionOutcome.objects.filter(provision__plan=plan).exists()
        assert ProgressEvidence.objects.filter(outcome__plan=plan).exists()
        if plan.is_ehcp:
            assert plan.date_issued and plan.next_review_due
    assert not Plan.objects.filter(pupil__sen_status="N").exists()
    assert BehaviourSupportPlan.objects.filter(status="in_force").exists()
    assert all(b.strategies() for b in BehaviourSupportPlan.objects.all())
