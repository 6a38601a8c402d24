"""Staff and school set-up writes: invitations, roles, deactivation, 2FA reset."""

from django.contrib.auth.tokens import default_token_generator
from django.contrib.sessions.models import Session
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from sendsupport import history

from .models import Membership, School, User


def invite_link(user: User) -> str:
    """A one-time link: the token stops working once the person has set a password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return reverse("accounts:accept_invite", args=[uid, default_token_generator.make_token(user)])


@transaction.atomic
def invite_staff(*, school: School, email: str, full_name: str, roles: list[str], job_title: str,
                 acting_user: User, base_url: str) -> Membership:
    """Add a person to a school (creating their account if new) and email them a set-password link."""
    from sendsupport.tasks import send_email_task

    with history.action(user=acting_user.pk, action="staff.invite"):
        user = User.objects.filter(email__iexact=email).first()
        new_user = user is None
        if new_user:
            user = User.objects.create_user(email=email, full_name=full_name)
        membership, _ = Membership.objects.update_or_create(
            school=school, user=user,
            defaults={"roles": roles, "job_title": job_title, "is_active": True, "deactivated_at": None},
        )
        if not user.is_active:
            user.is_active = True
            user.save(update_fields=["is_active"])
    if new_user or not user.has_usable_password():
        link = base_url + invite_link(user)
        body = (
            f"Hello {user.full_name},\n\n{acting_user.full_name} has invited you to SEND Support at {school.name}.\n"
            f"Set your password with this link (it works once):\n{link}\n"
        )
    else:
        body = f"Hello {user.full_name},\n\nYou now have access to {school.name} in SEND Support.\n"
    transaction.on_commit(
        lambda: send_email_task.delay(to=[user.email], subject=f"SEND Support: {school.name}", body=body)
    )
    return membership


@transaction.atomic
def update_roles(*, membership: Membership, roles: list[str], job_title: str, acting_user: User,
                 can_edit_plans: bool = False) -> Membership:
    with history.action(user=acting_user.pk, action="staff.roles"):
        membership.roles = sorted(set(roles))
        membership.job_title = job_title
        membership.can_edit_plans = can_edit_plans
        membership.full_clean()
        membership.save(update_fields=["roles", "job_title", "can_edit_plans"])
    return membership


def _end_sessions(user: User) -> None:
    """Sign the person out everywhere, now (sessions live in the database)."""
    stale = [s.pk for s in Session.objects.filter(expire_date__gt=timezone.now())
             if str(s.get_decoded().get("_auth_user_id")) == str(user.pk)]
    Session.objects.filter(pk__in=stale).delete()


@transaction.atomic
def deactivate_staff(*, membership: Membership, acting_user: User) -> Membership:
    """A leaver loses access at once; everything they recorded stays attributed to them."""
    with history.action(user=acting_user.pk, action="staff.deactivate"):
        membership.is_active = False
        membership.deactivated_at = timezone.now()
        membership.save(update_fields=["is_active", "deactivated_at"])
        user = membership.user
        if not user.memberships.filter(is_active=True).exists() and not user.is_superuser:
            user.is_active = False
            user.save(update_fields=["is_active"])
            _end_sessions(user)
    return membership


@transaction.atomic
def reactivate_staff(*, membership: Membership, acting_user: User) -> Membership:
    with history.action(user=acting_user.pk, action="staff.reactivate"):
        membership.is_active, membership.deactivated_at = True, None
        membership.save(update_fields=["is_active", "deactivated_at"])
        if not membership.user.is_active:
            membership.user.is_active = True
            membership.user.save(update_fields=["is_active"])
    return membership


@transaction.atomic
def reset_two_factor(*, user: User, acting_user: User) -> int:
    """For a lost phone: remove the person's authenticators; they enrol again at next sign-in."""
    from allauth.mfa.models import Authenticator

    with history.action(user=acting_user.pk, action="staff.reset_2fa"):
        count, _ = Authenticator.objects.filter(user=user).delete()
        user.two_factor_reset_at = timezone.now()
        user.save(update_fields=["two_factor_reset_at"])
        _end_sessions(user)
    return count
