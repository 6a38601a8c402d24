"""Trust admins create schools from the Django admin or with this command."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.models import Membership, School, User
from sendsupport import history


class Command(BaseCommand):
    help = "Create a school, optionally with its first school admin (who is then invited to set a password)."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--urn", required=True, help="DfE URN (6 digits)")
        parser.add_argument("--local-authority", default="")
        parser.add_argument("--admin-email", help="first school admin; gets a set-password link")
        parser.add_argument("--admin-name", default="")

    @transaction.atomic
    def handle(self, *args, name, urn, local_authority, admin_email, admin_name, **options):
        if School.objects.filter(urn=urn).exists():
            raise CommandError(f"A school with URN {urn} already exists.")
        with history.action(action="school.create", command="create_school"):
            school = School.objects.create(name=name, urn=urn, local_authority=local_authority)
            self.stdout.write(f"Created {school} (URN {urn}).")
            if admin_email:
                from accounts.services import invite_link

                user = User.objects.filter(email__iexact=admin_email).first() or User.objects.create_user(
                    email=admin_email, full_name=admin_name or admin_email)
                Membership.objects.create(school=school, user=user, roles=["admin"], job_title="School admin")
                self.stdout.write(f"School admin {user.email}: set a password at {invite_link(user)}")
