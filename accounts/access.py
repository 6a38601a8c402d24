"""Who is acting, in which school, with which roles, and what those roles allow.

Every request carries a ``StaffContext`` (``request.staff``) set by ``StaffContextMiddleware``.
Apps ask it what the person may do (``staff.can(Ability.X)``) and scope their queries with it
(``Pupil.objects.visible_to(staff)``). Out of scope is a 404; a missing ability a 403.
"""

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cached_property

from django.core.exceptions import PermissionDenied

from .models import Role


class Ability(StrEnum):
    SEE_ALL_PUPILS = "see_all_pupils"  # every pupil of the school, not only a caseload
    READ_SEN_DETAIL = "read_sen_detail"  # needs, triggers, what helps, diagnoses...
    EDIT_PUPIL_BASICS = "edit_pupil_basics"  # names, DOB, UPN, class, contacts
    EDIT_SEN_DETAIL = "edit_sen_detail"
    ARCHIVE_PUPIL = "archive_pupil"
    READ_HISTORY = "read_history"  # change history and "who viewed this record"
    MANAGE_STAFF = "manage_staff"  # invite, roles, caseloads, deactivate, reset 2FA
    MANAGE_SCHOOL_SETUP = "manage_school_setup"  # terms, periods, locations
    READ_SAFEGUARDING = "read_safeguarding"
    READ_PLANS = "read_plans"  # EHCPs, SEN support, behaviour and positive-handling plans
    EDIT_PLANS = "edit_plans"
    ADD_EVIDENCE = "add_evidence"  # progress evidence against outcomes
    RECEIVE_SEN_ALERTS = "receive_sen_alerts"  # told of break-glass access, reviews due...
    READ_INCIDENTS = "read_incidents"  # behaviour incidents of the pupils one may see
    EXPORT_INCIDENTS = "export_incidents"  # CSV of the school's incidents
    REVIEW_INCIDENTS = "review_incidents"  # mark reviewed, correct facts, sign off restrictive interventions
    READ_INTERVENTIONS = "read_interventions"  # interventions, sessions and therapy programmes of pupils one may see
    RECORD_SESSIONS = "record_sessions"  # sessions of one's own groups, delivery logs of one's programmes
    MANAGE_INTERVENTIONS = "manage_interventions"  # catalogue, groups, placements, programmes, reviews, costs
    READ_MEDICATION = "read_medication"  # healthcare plans, medicines, administration records of pupils one may see
    GIVE_MEDICATION = "give_medication"  # record a dose given / refused / not given, witness a controlled drug
    MANAGE_MEDICINES = "manage_medicines"  # healthcare plans, medicines received, consent, stock checks, returns
    MANAGE_PERSONAL_CARE = "manage_personal_care"  # intimate care plans (staff named on a plan read and log its care)
    READ_ALL_PERSONAL_CARE = "read_all_personal_care"  # every intimate care record of the school, named or not
    VIEW_SCHOOL_DASHBOARD = "view_school_dashboard"  # school-wide analytics and pattern alerts
    MAKE_PACKS = "make_packs"  # EHCP annual-review evidence packs: make, batch, download, ask for contributions


A = Ability
ROLE_ABILITIES: dict[str, frozenset[Ability]] = {
    Role.TEACHING_ASSISTANT: frozenset({A.READ_SEN_DETAIL, A.READ_PLANS, A.ADD_EVIDENCE, A.READ_INCIDENTS,
                                        A.READ_INTERVENTIONS, A.RECORD_SESSIONS, A.READ_MEDICATION,
                                        A.GIVE_MEDICATION}),
    Role.TEACHER: frozenset({A.READ_SEN_DETAIL, A.READ_PLANS, A.ADD_EVIDENCE, A.READ_INCIDENTS,
                             A.READ_INTERVENTIONS, A.RECORD_SESSIONS, A.READ_MEDICATION, A.GIVE_MEDICATION}),
    Role.SENCO: frozenset(
        {A.SEE_ALL_PUPILS, A.READ_SEN_DETAIL, A.EDIT_PUPIL_BASICS, A.EDIT_SEN_DETAIL, A.ARCHIVE_PUPIL, A.READ_HISTORY,
         A.READ_PLANS, A.EDIT_PLANS, A.ADD_EVIDENCE, A.RECEIVE_SEN_ALERTS,
         A.READ_INCIDENTS, A.EXPORT_INCIDENTS, A.REVIEW_INCIDENTS,
         A.READ_INTERVENTIONS, A.RECORD_SESSIONS, A.MANAGE_INTERVENTIONS,
         A.READ_MEDICATION, A.GIVE_MEDICATION, A.MANAGE_MEDICINES, A.MANAGE_PERSONAL_CARE, A.READ_ALL_PERSONAL_CARE,
         A.VIEW_SCHOOL_DASHBOARD, A.MAKE_PACKS}
    ),
    Role.DSL: frozenset({A.SEE_ALL_PUPILS, A.READ_SEN_DETAIL, A.READ_HISTORY, A.READ_SAFEGUARDING, A.READ_PLANS,
                         A.READ_INCIDENTS, A.READ_ALL_PERSONAL_CARE}),
    Role.SENIOR_LEADER: frozenset({A.SEE_ALL_PUPILS, A.READ_SEN_DETAIL, A.READ_HISTORY, A.READ_PLANS,
                                   A.READ_INCIDENTS, A.EXPORT_INCIDENTS, A.REVIEW_INCIDENTS,
                                   A.READ_INTERVENTIONS, A.READ_MEDICATION, A.VIEW_SCHOOL_DASHBOARD,
                                   A.MAKE_PACKS}),
    # Office staff keep pupil basics and staff, and (as in most schools) take in medicines, consent
    # forms and stock, and give medicines; no SEN, behaviour or safeguarding detail.
    Role.SCHOOL_ADMIN: frozenset(
        {A.SEE_ALL_PUPILS, A.EDIT_PUPIL_BASICS, A.ARCHIVE_PUPIL, A.MANAGE_STAFF, A.MANAGE_SCHOOL_SETUP,
         A.READ_MEDICATION, A.GIVE_MEDICATION, A.MANAGE_MEDICINES}
    ),
}

# Roles whose holders must use two-factor authentication (a school may require it of all).
MFA_REQUIRED_ROLES = frozenset({Role.SENCO, Role.DSL, Role.SENIOR_LEADER, Role.SCHOOL_ADMIN})


@dataclass(frozen=True)
class StaffContext:
    user: object
    school: object  # accounts.School or None when the person has no active school
    membership: object = None
    roles: frozenset = field(default_factory=frozenset)

    @cached_property
    def abilities(self) -> frozenset:
        out = set()
        for role in self.roles:
            out |= ROLE_ABILITIES.get(role, frozenset())
        if self.membership is not None and self.membership.can_edit_plans:
            out |= {Ability.EDIT_PLANS, Ability.READ_PLANS, Ability.ADD_EVIDENCE}  # given by the school
        return frozenset(out)

    def can(self, ability: Ability) -> bool:
        return ability in self.abilities

    def require(self, ability: Ability) -> None:
        if not self.can(ability):
            raise PermissionDenied

    @cached_property
    def _caseload(self) -> tuple[frozenset, frozenset]:
        from pupils.models import CaseloadEntry

        entries = CaseloadEntry.objects.filter(user=self.user, school=self.school).values_list("pupil_id", "class_group_id")
        return frozenset(p for p, _ in entries if p), frozenset(c for _, c in entries if c)

    def sees_pupil(self, pupil) -> bool:
        """Whether a pupil already fetched from this school is visible to this person, as
        Pupil.objects.visible_to(staff) decides: whole-school roles see all, others their caseload
        (the pupil directly or their class). One small query the first time, for hot paths like the quick log."""
        if self.school is None or pupil.school_id != self.school.pk:
            return False
        if self.can(Ability.SEE_ALL_PUPILS):
            return True
        pupils, classes = self._caseload
        return pupil.pk in pupils or (pupil.class_group_id is not None and pupil.class_group_id in classes)

    def has_role(self, *roles) -> bool:
        return bool(self.roles & set(roles))

    @property
    def needs_mfa(self) -> bool:
        # Someone the school lets edit plans and EHCPs holds the same sensitive access as the SENCo.
        return (bool(self.roles & MFA_REQUIRED_ROLES) or bool(self.school and self.school.require_2fa_for_all)
                or bool(self.membership is not None and self.membership.can_edit_plans))


NO_ACCESS = StaffContext(user=None, school=None)
