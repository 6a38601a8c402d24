"""Every plans URL, walked with objects of pupils the person may not see: out of the caseload,
another school, and another pupil's objects under a visible pupil's URL. All must be 404, and
school admins (no plan access) a 403. A new plans URL is covered automatically."""

import datetime

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from plans.models import (
    AnnualReview, BehaviourSupportPlan, EvidenceFile, Outcome, Plan, PositiveHandlingPlan, ProgressEvidence,
    Provision, VersionStatus,
)

BREAK_GLASS = {"plans:step_in"}  # any pupil of the school: a reason form, never the content


def plans_url_patterns():
    out = []

    def walk(patterns, ns=None):
        for p in patterns:
            if isinstance(p, URLResolver):
                walk(p.url_patterns, p.namespace or ns)
            elif isinstance(p, URLPattern) and ns == "plans":
                out.append((f"plans:{p.name}", list(p.pattern.converters)))

    walk(get_resolver().url_patterns)
    return out


def objects_for(pupil, author):
    day = datetime.date(2026, 11, 1)
    plan = Plan.objects.create(pupil=pupil, kind="ehcp", created_by=author, date_issued=day)
    outcome = Outcome.objects.create(plan=plan, area_of_need="ci", text="Outcome")
    provision = Provision.objects.create(plan=plan, description="Provision", delivered_by="TA", frequency="daily")
    evidence = ProgressEvidence.objects.create(pupil=pupil, outcome=outcome, outcome_lineage=outcome.lineage,
                                               note="n", rating=1, recorded_by=author)
    file = EvidenceFile.objects.create(evidence=evidence, file="private/evidence/x", original_name="x.png",
                                       content_type="image/png", size=1)
    review = AnnualReview.objects.create(pupil=pupil, plan=plan, meeting_date=day, created_by=author)
    bsp = BehaviourSupportPlan.objects.create(pupil=pupil, created_by=author, behaviours_of_concern="b",
                                              review_date=day, status=VersionStatus.IN_FORCE)
    php = PositiveHandlingPlan.objects.create(pupil=pupil, created_by=author, approved_techniques="t",
                                              review_date=day)
    return {"plan": plan, "outcome": outcome, "provision": provision, "file": file, "review": review,
            "bsp": bsp, "php": php}


def url_for(name, params, pupil, objs):
    kwargs = {"pupil_id": pupil.pk}
    for param in params:
        if param == "plan_id":
            kind = "bsp" if ":bsp_" in name else "php" if ":php_" in name else "plan"
            kwargs[param] = objs[kind].pk
        elif param == "kind":
            kwargs[param] = "ehcp"
        elif param != "pupil_id":
            kwargs[param] = objs[param.removesuffix("_id")].pk
    return reverse(name, kwargs=kwargs)


@pytest.fixture
def scene(world):
    senco = world.people["senco"]
    return {
        "in": objects_for(world.pupil_in, senco),
        "out": objects_for(world.pupil_out, senco),
        "other_school": objects_for(world.pupil_other_school, world.people["other_school_senco"]),
    }


def statuses(client, url):
    return client.get(url).status_code, client.post(url, {"reason": "covering the class today"}).status_code


def test_plans_urls_are_walked(world):
    assert len(plans_url_patterns()) >= 25


@pytest.mark.parametrize("role", ["ta", "teacher"])
def test_caseload_staff_get_404_for_pupils_and_objects_they_do_not_support(client, world, scene, role):
    client.force_login(world.people[role])
    own = world.pupil_in if role == "ta" else world.pupil_class
    for name, params in plans_url_patterns():
        for pupil, objs in [(world.pupil_out, scene["out"]), (world.pupil_other_school, scene["other_school"]),
                            (own, scene["out"])]:
            if not any(p != "pupil_id" and p != "kind" for p in params) and pupil == own:
                continue  # nothing of another pupil's in this URL
            url = url_for(name, params, pupil, objs)
            get, post = statuses(client, url)
            if name in BREAK_GLASS and pupil == world.pupil_out:
                assert get == 200 and b"isn't on your caseload" in client.get(url).content, url
                continue
            # their own pupil with another pupil's object: 404, or 403 where they lack the ability anyway
            allowed = (404, 405, 403) if pupil == own else (404, 405)
            assert get in allowed and post in allowed and post != 405, f"{role} {url}: GET {get} POST {post}"


@pytest.mark.parametrize("role", ["senco", "dsl", "senior", "admin"])
def test_whole_school_roles_get_404_for_another_school(client, world, scene, role):
    client.force_login(world.people[role])
    for name, params in plans_url_patterns():
        url = url_for(name, params, world.pupil_other_school, scene["other_school"])
        get, post = statuses(client, url)
        assert get in (404, 405) and post == 404, f"{role} {url}: GET {get} POST {post}"
        # another pupil's objects under a visible pupil's URL
        if any(p not in ("pupil_id", "kind") for p in params):
            url = url_for(name, params, world.pupil_in, scene["out"])
            get, post = statuses(client, url)
            assert get in (404, 405, 403) and post in (404, 403), f"{role} {url}: GET {get} POST {post}"


def test_school_admins_have_no_plan_access(client, world, scene):
    client.force_login(world.people["admin"])
    for name, params in plans_url_patterns():
        url = url_for(name, params, world.pupil_in, scene["in"])
        get, post = statuses(client, url)
        if name in BREAK_GLASS:
            assert get == 200 and b"isn't on your caseload" in client.get(url).content
            continue
        assert get in (403, 405) and post == 403, f"admin {url}: GET {get} POST {post}"
