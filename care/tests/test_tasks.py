"""The beat jobs: missed doses (through the task, as beat runs it) and the stock and expiry reminder
to the office."""

import datetime
from decimal import Decimal

from django.utils import timezone

from care import tasks
from care.factories import BatchFactory, MedicineFactory
from care.models import Administration
from care.services import stock_and_expiry_reminders
from sendsupport.models import Notification


def test_reminder_tells_the_medicine_managers_of_low_stock_and_expiry(world, django_capture_on_commit_callbacks):
    low = MedicineFactory(pupil=world.pupil_in, name="Lamotrigine", low_stock_at=Decimal("5"))
    BatchFactory(medicine=low, quantity_received=Decimal("4"))
    pen = MedicineFactory(pupil=world.pupil_out, name="EpiPen", prn=True, low_stock_at=Decimal("1"))
    BatchFactory(medicine=pen, quantity_received=Decimal("2"), expires_on=timezone.localdate() + datetime.timedelta(days=20))
    fine = MedicineFactory(pupil=world.pupil_class, name="Melatonin")
    BatchFactory(medicine=fine)
    MedicineFactory(pupil=world.pupil_other_school, name="Other school's")  # no stock there, other school
    with django_capture_on_commit_callbacks(execute=True):
        assert stock_and_expiry_reminders() == 2  # both schools have something to say
    note = Notification.objects.filter(school=world.school).first()
    assert note.subject == "Medicines: 2 low in stock or expiring soon"
    assert "Lamotrigine" in note.body and "EpiPen" in note.body and "Melatonin" not in note.body
    assert "Other school" not in note.body
    assert {n.user for n in Notification.objects.filter(school=world.school)} == {world.people["senco"],
                                                                                  world.people["admin"]}


def test_reminder_reaches_senco_and_office(world):
    m = MedicineFactory(pupil=world.pupil_in, low_stock_at=Decimal("5"))
    BatchFactory(medicine=m, quantity_received=Decimal("1"))
    stock_and_expiry_reminders()
    assert {n.user for n in Notification.objects.all()} == {world.people["senco"], world.people["admin"]}


def test_missed_dose_task_runs_the_sweep(world):
    MedicineFactory(pupil=world.pupil_in, scheduled_times=[datetime.time(0, 0)])

    def due(local):  # the midnight dose's window closed at 01:00, on a weekday
        return 1 if local.weekday() < 5 and local.time() > datetime.time(1, 0) else 0

    before = timezone.localtime()
    flagged = tasks.flag_missed_doses_task.delay().get()
    expected = {due(before), due(timezone.localtime())}  # both, if the window closed meanwhile
    assert flagged in expected and flagged == Administration.objects.filter(outcome="missed").count()
    assert tasks.flag_missed_doses_task.delay().get() == 0  # flagged once
