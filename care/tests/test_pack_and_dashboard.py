"""The medication pack section on its own (counts for the period, plans in force, PRN use, fixed
queries, renders in WeasyPrint) and the dashboard's medication exceptions (scoped to the pupils the
caller passes, fixed queries)."""

import datetime
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from care import services
from care.dashboard import medication_exceptions
from care.factories import BatchFactory, HealthcarePlanFactory, MedicineFactory
from care.pack import pack_section
from pupils.models import Pupil
from sendsupport.sections import pack_sections


def today():
    """Read when used, not at import: a run that spans midnight would otherwise date things yesterday."""
    return timezone.localdate()


def start():
    return today() - datetime.timedelta(days=40)


def day(n):
    return start() + datetime.timedelta(days=n)


@pytest.fixture
def term(world):
    ta, senco = world.people["ta"], world.people["senco"]
    plan = HealthcarePlanFactory(pupil=world.pupil_in, condition="Asthma", created_by=senco)
    services.sign_off_plan(plan=plan, acting_user=senco)
    noon = MedicineFactory(pupil=world.pupil_in, name="Montelukast", scheduled_times=[datetime.time(12)],
                           dose_amount=Decimal("1"), unit="tablets", created_at=timezone.now() - datetime.timedelta(days=90))
    noon_batch = BatchFactory(medicine=noon)
    inhaler = MedicineFactory(pupil=world.pupil_in, prn=True, created_at=timezone.now() - datetime.timedelta(days=90))
    inhaler_batch = BatchFactory(medicine=inhaler)
    for n in range(0, 10):
        slot = services.slot_at(day(n), datetime.time(12))
        if n == 3:
            services.record_administration(medicine=noon, outcome="refused", at=slot, scheduled_for=slot,
                                           reason="Refused", acting_user=ta)
        elif n != 5:
            services.record_administration(medicine=noon, outcome="given", at=slot, scheduled_for=slot,
                                           batch=noon_batch, acting_user=ta)
    for n in (1, 4):
        services.record_administration(medicine=inhaler, outcome="given", at=services.slot_at(day(n), datetime.time(10)),
                                       batch=inhaler_batch, reason="Wheezy after PE", acting_user=ta)
    services.record_administration(medicine=inhaler, outcome="at_home", at=services.slot_at(day(2), datetime.time(7)),
                                   dose_amount=Decimal("2"), acting_user=ta)
    # Before the period: not counted.
    slot = services.slot_at(start() - datetime.timedelta(days=3), datetime.time(12))
    services.record_administration(medicine=noon, outcome="refused", at=slot, scheduled_for=slot, reason="x",
                                   acting_user=ta)
    return noon, inhaler


def test_pack_section_counts_the_period(world, term, django_assert_num_queries):
    with django_assert_num_queries(3):  # plans in force, medicines, dose counts
        template, ctx = pack_section(world.pupil_in, start(), today())
    assert template == "care/pack/section.html"
    rows = {r["name"]: r for r in ctx["medicines"]}
    assert (rows["Montelukast 100 micrograms per dose"]["given"], rows["Montelukast 100 micrograms per dose"]["refused"]) == (8, 1)
    inhaler = rows["Salbutamol inhaler 100 micrograms per dose"]
    assert (inhaler["given"], inhaler["at_home"]) == (2, 1)
    assert ctx["totals"] == {"given": 10, "refused": 1, "not_given": 0, "missed": 0}
    assert [p.condition for p in ctx["plans"]] == ["Asthma"]


def test_pack_section_query_count_is_fixed(world, term, django_assert_num_queries):
    noon, _ = term
    extra = MedicineFactory(pupil=world.pupil_in, name="Cetirizine", scheduled_times=[datetime.time(9)],
                            created_at=timezone.now() - datetime.timedelta(days=90))
    b = BatchFactory(medicine=extra)
    for n in range(10):
        slot = services.slot_at(day(n), datetime.time(9))
        services.record_administration(medicine=extra, outcome="given", at=slot, scheduled_for=slot, batch=b,
                                       acting_user=world.people["ta"])
    with django_assert_num_queries(3):
        pack_section(world.pupil_in, start(), today())


def test_pack_section_renders_without_detail_or_other_pupils(world, term):
    template, ctx = pack_section(world.pupil_in, start(), today())
    html = render_to_string(template, {**ctx, "section_id": "medication", "section_title": "Medication and healthcare"})
    assert '<h1 id="medication">Medication and healthcare</h1>' in html
    assert "Montelukast" in html and "1 dose given at home were reported" in html
    assert "Refused" in html and "Wheezy after PE" not in html  # counts, not dose-by-dose reasons
    for other in ("Oliver", "Isla", "Noah"):
        assert other not in html
    from weasyprint import HTML
    assert HTML(string=f"<html><body>{html}</body></html>").write_pdf()[:4] == b"%PDF"


def test_pack_section_has_nothing_to_say_without_medicines_or_plan(world):
    assert pack_section(world.pupil_out, start(), today()) is None


def test_pack_section_is_registered():
    section = next(s for s in pack_sections() if s.key == "medication")
    assert (section.title, section.order, section.build) == ("Medication and healthcare", 60, pack_section)


def test_dashboard_exceptions_are_scoped_and_fixed_queries(world, term, django_assert_num_queries):
    noon, inhaler = term
    other = MedicineFactory(pupil=world.pupil_out, name="Melatonin", scheduled_times=[datetime.time(12)],
                            low_stock_at=Decimal("10"))
    BatchFactory(medicine=other, quantity_received=Decimal("3"), expires_on=today() + datetime.timedelta(days=7))
    services.flag_missed_doses(now=services.slot_at(_last_weekday(), datetime.time(14)))
    everyone = Pupil.objects.filter(school=world.school)
    with django_assert_num_queries(2):
        result = medication_exceptions(school=world.school, pupils=everyone, start=start(), end=today())
    assert (result["refused"], result["low_stock"], result["expiring"]) == (1, 1, 1)
    assert result["missed"] == 2  # both noon medicines on the last weekday
    assert {r["pupil_name"] for r in result["rows"]} == {"Amelia Hughes", "Isla Morgan"}
    only_amelia = medication_exceptions(school=world.school, pupils=everyone.filter(pk=world.pupil_in.pk),
                                        start=start(), end=today())
    assert (only_amelia["low_stock"], only_amelia["expiring"], only_amelia["missed"]) == (0, 0, 1)
    assert {r["pupil_name"] for r in only_amelia["rows"]} == {"Amelia Hughes"}
    assert medication_exceptions(school=world.other_school, pupils=everyone, start=start(), end=today())["rows"] == []


def _last_weekday():
    d = today() - datetime.timedelta(days=1)
    while d.weekday() >= 5:
        d -= datetime.timedelta(days=1)
    return d
