"""Check the dashboards' incident tallies against the incidents, or rebuild them.

    manage.py incident_tallies            # check: lists any difference, exits 1 if there is one
    manage.py incident_tallies --rebuild  # recount (after a bulk load with triggers off)

The triggers keep the tallies in step on every write; this is for loads that bypassed them."""

from django.core.management.base import BaseCommand, CommandError

from accounts.models import School
from incidents import tallies


class Command(BaseCommand):
    help = "Check the incident tallies against the incidents (or --rebuild them)."

    def add_arguments(self, parser):
        parser.add_argument("--rebuild", action="store_true", help="Recount the tallies from the incidents.")
        parser.add_argument("--school", help="Only this school (its URN).")

    def handle(self, *args, rebuild=False, school=None, **options):
        school_id = School.objects.get(urn=school).pk if school else None
        if rebuild:
            rows = tallies.rebuild(school_id)
            self.stdout.write(f"Rebuilt: {rows} tally rows.")
            return
        found = tallies.drift(school_id)
        for row in found[:50]:
            self.stdout.write("school {} {} {} {} {}: incidents say {} (force {}), tally says {} (force {})".format(
                *row[:5], row[5] or 0, row[7] or 0, row[6] or 0, row[8] or 0))
        if found:
            raise CommandError(f"{len(found)} tally rows differ from the incidents: run with --rebuild.")
        self.stdout.write("The tallies match the incidents.")
