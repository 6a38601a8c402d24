"""Progress evidence against outcomes: a TA adds a dated rating, note and photos from a phone; the
outcome page shows the current rating and the timeline across every version of the plan; the
progress page shows every outcome of a pupil at once; files are served privately.

Access: the pupil first (404 outside one's caseload or school), then the ability (403), then the
object through the pupil (another pupil's outcome or file is a 404)."""

import re
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.formats import date_format

from accounts.access import Ability
from sendsupport.audit import log_access
from sendsupport.decorators import school_required

from .. import selectors_evidence as selectors
from .. import services
from ..access import pupil_for_plans
from ..forms_evidence import EXTENSIONS, EvidenceForm, safe_filename
from ..models import EvidenceFile, Rating

# A second tap on "Save" (or a resend on a poor connection) must not record the evidence twice:
# evidence is append-only, so a duplicate could never be removed. Each form carries a one-off token.
SUBMISSION_TTL = 24 * 60 * 60
TOKEN_RE = re.compile(r"^[0-9a-f]{32}$")


def _outcome_url(pupil, outcome):
    return reverse("plans:outcome_detail", args=[pupil.pk, outcome.pk])


def _can_add(staff, pupil, outcome) -> bool:
    return staff.can(Ability.ADD_EVIDENCE) and outcome.plan.is_in_force and not pupil.is_archived


@login_required
@school_required
def outcome_detail(request, pupil_id, outcome_id):
    pupil = pupil_for_plans(request, pupil_id)
    outcome = selectors.get_outcome(pupil, outcome_id)
    log_access(request, action="plans.outcome.view", pupil=pupil)
    context = selectors.outcome_page(pupil, outcome)
    context.update(pupil=pupil, can_add=_can_add(request.staff, pupil, outcome))
    return render(request, "plans/evidence/outcome_detail.html", context)


@login_required
@school_required
def evidence_add(request, pupil_id, outcome_id):
    pupil = pupil_for_plans(request, pupil_id, ability=Ability.ADD_EVIDENCE)
    outcome = selectors.get_outcome(pupil, outcome_id, in_force=True)
    if pupil.is_archived:
        messages.error(request, f"{pupil.display_name} is archived: their records are read-only.")
        return redirect(_outcome_url(pupil, outcome))
    form = EvidenceForm(request.POST or None, request.FILES or None, outcome=outcome)
    token = request.POST.get("submission", "")
    token = token if TOKEN_RE.match(token) else uuid.uuid4().hex
    if request.method == "POST" and form.is_valid():
        key = f"evidence-submission:{request.user.pk}:{token}"
        if not cache.add(key, 1, SUBMISSION_TTL):
            messages.info(request, "That evidence was already saved.")
            return redirect(_outcome_url(pupil, outcome))
        data = form.cleaned_data
        try:
            evidence = services.add_evidence(
                pupil=pupil, outcome=outcome, target=data["target"], observed_on=data["observed_on"],
                note=data["note"], rating=data["rating"], files=data["files"], acting_user=request.user)
        except ValidationError as exc:
            cache.delete(key)
            form.add_error(None, exc.messages)
        except BaseException:
            cache.delete(key)  # nothing was saved: trying again must not be taken for a repeat
            raise
        else:
            files = len(data["files"])
            attached = f" with {files} file{'s' if files != 1 else ''}" if files else ""
            messages.success(request, f"Evidence saved{attached}: {Rating(evidence.rating).label}, "
                                      f"{date_format(evidence.observed_on, 'j F Y')}.")
            return redirect(_outcome_url(pupil, outcome))
    if request.method == "POST":
        again = " Choose any photos or documents again." if request.FILES else ""
        messages.error(request, f"Some details need correcting: see the messages next to the fields.{again}")
    return render(request, "plans/evidence/add.html", {
        "pupil": pupil, "outcome": outcome, "plan": outcome.plan, "form": form, "submission": token,
        "current": selectors.latest_evidence(outcome),
    }, status=400 if request.method == "POST" else 200)


@login_required
@school_required
def evidence_file(request, pupil_id, file_id):
    pupil = pupil_for_plans(request, pupil_id)
    stored = get_object_or_404(EvidenceFile, pk=file_id, evidence__pupil=pupil)
    try:
        handle = stored.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    log_access(request, action="evidence.file.view", pupil=pupil)
    known = stored.content_type in EXTENSIONS  # set from the file's contents when it was uploaded
    response = FileResponse(handle, content_type=stored.content_type if known else "application/octet-stream",
                            as_attachment=not known, filename=safe_filename(stored.original_name, stored.content_type))
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@school_required
def pupil_progress(request, pupil_id):
    pupil = pupil_for_plans(request, pupil_id)
    log_access(request, action="plans.progress.view", pupil=pupil)
    context = selectors.progress_page(pupil)
    context.update(pupil=pupil, can_add=request.staff.can(Ability.ADD_EVIDENCE) and not pupil.is_archived)
    return render(request, "plans/evidence/progress.html", context)
