"""Evidence pack pages: start a pack (a pupil and a period) or a batch (reviews due by a date),
watch it being made (a small fragment polled by htmx), download it (checked against its SHA-256,
every download logged), and the list of packs made.

Only people who make packs (Ability.MAKE_PACKS: SENCo, senior leaders) get in (403 otherwise); a
pupil, pack or batch outside their school or sight is a 404."""

import datetime
import io
import zipfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import Ability
from pupils.models import Pupil
from sendsupport.audit import log_access
from sendsupport.decorators import school_required
from sendsupport.models import AccessLog
from sendsupport.sections import pack_sections

from . import services
from .forms_packs import BatchForm, PackForm
from .models import EvidencePack, PackBatch

PAGE = 50
DOWNLOAD_ACTION = "pupil.evidence_pack.download"
FIX_BELOW = "Some details need correcting: see the messages next to the fields. Nothing was started."


def _staff(request):
    request.staff.require(Ability.MAKE_PACKS)
    return request.staff


def _packs(staff):
    return (EvidencePack.objects.filter(school=staff.school, pupil__in=Pupil.objects.visible_to(staff))
            .select_related("pupil", "requested_by"))


def get_pack(request, pack_id: int) -> EvidencePack:
    """A pack of a pupil this person may see in their school; anything else is a 404."""
    return get_object_or_404(_packs(_staff(request)), pk=pack_id)


def get_batch(request, batch_id: int) -> PackBatch:
    staff = _staff(request)
    return get_object_or_404(PackBatch.objects.select_related("requested_by"), pk=batch_id, school=staff.school)


def progress_steps(pack: EvidencePack) -> list[tuple[str, str]]:
    """(label, state) for each step: done, current, todo. The steps are the registered sections
    then the render and the store, as the worker reports them."""
    labels = [f"Gathering: {s.title}" for s in pack_sections()] + services.FINAL_STEPS
    if pack.status == EvidencePack.Status.READY:
        return [(label, "done") for label in labels]
    current = pack.steps_done if pack.status == EvidencePack.Status.RUNNING else -1
    return [(label, "done" if i < pack.steps_done else "current" if i == current else "todo")
            for i, label in enumerate(labels)]


# --- list ------------------------------------------------------------------------------------------

@login_required
@school_required
@require_GET
def pack_list(request):
    """Newest first, keyset-paged by id (no COUNT); ?pupil= narrows to one pupil's versions."""
    staff = _staff(request)
    packs = _packs(staff).order_by("-id")
    pupil = None
    if pupil_id := request.GET.get("pupil", "").strip():
        pupil = get_object_or_404(Pupil.objects.visible_to(staff), pk=pupil_id if pupil_id.isdigit() else 0)
        packs = packs.filter(pupil=pupil)
    before = request.GET.get("before", "")
    if before.isdigit():
        packs = packs.filter(pk__lt=int(before))
    page = list(packs[:PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    batches = list(PackBatch.objects.filter(school=staff.school).select_related("requested_by")[:5]) if not pupil else []
    return render(request, "reviews/packs/list.html", {
        "packs": page, "next_before": page[-1].pk if more else None, "pupil": pupil, "batches": batches})


# --- one pack --------------------------------------------------------------------------------------

@login_required
@school_required
@require_http_methods(["GET", "POST"])
def pack_new(request):
    staff = _staff(request)
    visible = Pupil.objects.visible_to(staff).select_related("class_group")
    choices, initial, period = visible.current(), {}, None
    chosen = request.GET.get("pupil", "")
    if request.method == "POST":
        choices = visible  # archived pupils too: a tribunal may still need the pack
    elif chosen:
        pupil = get_object_or_404(visible, pk=chosen if chosen.isdigit() else 0)
        choices = visible.filter(Q(archived_at__isnull=True) | Q(pk=pupil.pk))
        period = services.default_period(pupil)
        initial = {"pupil": pupil, "period_start": period.start, "period_end": period.end}
        # "Start it again" after a failure keeps the period the SENCo chose.
        for field, param in (("period_start", "from"), ("period_end", "to")):
            try:
                initial[field] = datetime.date.fromisoformat(request.GET.get(param, ""))
            except ValueError:
                pass
    form = PackForm(request.POST or None, initial=initial, pupils=choices)
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            default = services.default_period(data["pupil"])
            try:
                pack = services.start_pack(pupil=data["pupil"], acting_user=request.user,
                                           period_start=data["period_start"] or default.start,
                                           period_end=data["period_end"] or default.end,
                                           review_date=default.review_date)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                return redirect(pack)
        messages.error(request, FIX_BELOW)
    return render(request, "reviews/packs/new.html", {"form": form, "period": period},
                  status=400 if request.method == "POST" else 200)


@login_required
@school_required
@require_GET
def pack_detail(request, pack_id):
    pack = get_pack(request, pack_id)
    versions = list(_packs(request.staff).filter(pupil=pack.pupil).exclude(pk=pack.pk).order_by("-version")[:20])
    return render(request, "reviews/packs/detail.html", {"pack": pack, "steps": progress_steps(pack),
                                                          "versions": versions})


@login_required
@school_required
@require_GET
def pack_progress(request, pack_id):
    """The fragment the pack's page polls until the pack is ready or failed."""
    pack = get_pack(request, pack_id)
    response = render(request, "reviews/packs/_progress.html", {"pack": pack, "steps": progress_steps(pack)})
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


@login_required
@school_required
@require_GET
def pack_download(request, pack_id):
    pack = get_pack(request, pack_id)
    if pack.status != EvidencePack.Status.READY:
        raise Http404("This pack is not ready.")
    log_access(request, action=DOWNLOAD_ACTION, pupil=pack.pupil)
    try:
        data = services.read_pack_file(pack)
    except services.PackFileAltered:
        return HttpResponse("The stored file no longer matches the fingerprint taken when it was made. "
                            "Make the pack again and tell your system administrator.", status=409,
                            content_type="text/plain; charset=utf-8")
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{pack.download_name}"'
    response["Cache-Control"] = "no-store"
    return response


# --- batches ---------------------------------------------------------------------------------------

@login_required
@school_required
@require_http_methods(["GET", "POST"])
def batch_new(request):
    """GET shows who would get a pack for the date chosen; POST starts them."""
    staff = _staff(request)
    default = timezone.localdate() + datetime.timedelta(weeks=8)
    form = BatchForm(request.POST or request.GET or None, initial={"due_by": default})
    pupils = None
    if request.method == "POST":
        if form.is_valid():
            try:
                batch = services.start_batch(staff=staff, due_by=form.cleaned_data["due_by"],
                                             acting_user=request.user)
            except ValidationError as exc:
                form.add_error("due_by", exc.message_dict.get("due_by"))
            else:
                return redirect(batch)
        messages.error(request, FIX_BELOW)
    elif form.is_bound and form.is_valid():
        pupils = services.pupils_due_by(staff, form.cleaned_data["due_by"])
    else:
        pupils = services.pupils_due_by(staff, default)
    return render(request, "reviews/batches/new.html", {"form": form, "pupils": pupils},
                  status=400 if request.method == "POST" else 200)


def _batch_context(request, batch):
    packs = list(_packs(request.staff).filter(batch=batch).order_by("pupil__legal_last_name",
                                                                     "pupil__legal_first_name", "id"))
    counts = {s: 0 for s in EvidencePack.Status.values}
    for p in packs:
        counts[p.status] += 1
    return {"batch": batch, "packs": packs, "counts": counts,
            "finished": counts["ready"] + counts["failed"] == len(packs)}


@login_required
@school_required
@require_GET
def batch_detail(request, batch_id):
    batch = get_batch(request, batch_id)
    return render(request, "reviews/batches/detail.html", _batch_context(request, batch))


@login_required
@school_required
@require_GET
def batch_progress(request, batch_id):
    batch = get_batch(request, batch_id)
    response = render(request, "reviews/batches/_progress.html", _batch_context(request, batch))
    response["Vary"] = "HX-Request"
    response["Cache-Control"] = "no-store"
    return response


class _Sink(io.RawIOBase):
    """Where zipfile writes; the view hands out what it wrote after each pack (a streamed zip)."""

    def __init__(self):
        self.chunks = []

    def writable(self):
        return True

    def write(self, b):
        self.chunks.append(bytes(b))
        return len(b)

    def drain(self) -> bytes:
        out, self.chunks = b"".join(self.chunks), []
        return out


def _zip_stream(packs):
    sink, altered = _Sink(), []
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as zf:  # PDFs are compressed already
        for pack in packs:
            try:
                data = services.read_pack_file(pack)
            except services.PackFileAltered:
                altered.append(pack)
                continue
            zf.writestr(pack.download_name, data)
            yield sink.drain()
        if altered:
            zf.writestr("NOT-INCLUDED.txt", "These packs were left out: their stored file no longer matches the "
                        "fingerprint taken when it was made. Make them again.\n"
                        + "".join(f"{p.download_name}\n" for p in altered))
    yield sink.drain()


@login_required
@school_required
@require_GET
def batch_download(request, batch_id):
    """Every ready pack of the batch in one zip, streamed as it is read from storage (not stored:
    the packs are stored already; a second copy would need its own fingerprint and retention)."""
    batch = get_batch(request, batch_id)
    packs = list(_packs(request.staff).filter(batch=batch, status=EvidencePack.Status.READY).order_by("id"))
    if not packs:
        raise Http404("No pack of this batch is ready.")
    ip, path = request.META.get("REMOTE_ADDR") or None, request.get_full_path()[:300]
    AccessLog.objects.bulk_create([
        AccessLog(user=request.user, school=request.staff.school, pupil=p.pupil, action=DOWNLOAD_ACTION, path=path,
                  ip_address=ip, reason=f"Batch of packs {batch.pk}") for p in packs])
    response = StreamingHttpResponse(_zip_stream(packs), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="evidence-packs-due-by-{batch.due_by:%Y-%m-%d}.zip"'
    response["Cache-Control"] = "no-store"
    return response
