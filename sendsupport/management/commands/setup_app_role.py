"""Create or update the database role the running app connects as.

Migrations run as the owner. The app role may read and write the app's tables but cannot
update, delete or truncate history rows (pghistory event tables and the access log), and since
it owns nothing it cannot disable the triggers that protect them."""

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection
from psycopg import sql

PROTECTED_SUFFIXES = ("event",)


def protected(table: str) -> bool:
    return table.endswith(PROTECTED_SUFFIXES) or table == "sendsupport_accesslog"


class Command(BaseCommand):
    help = "Create/refresh the non-owner database role the app connects as."

    def add_arguments(self, parser):
        parser.add_argument("--role", default=settings.APP_DB_ROLE)
        parser.add_argument("--password", default="")

    def handle(self, *args, role, password, **options):
        with connection.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            verb = "ALTER" if cur.fetchone() else "CREATE"
            stmt = sql.SQL(verb + " ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS").format(
                sql.Identifier(role)
            )
            if password:
                stmt = stmt + sql.SQL(" PASSWORD {}").format(sql.Literal(password))
            cur.execute(stmt)
            ident = sql.Identifier(role)
            cur.execute(sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(connection.settings_dict["NAME"]), ident))
            cur.execute(sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(ident))
            cur.execute(sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(ident))
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = [r[0] for r in cur.fetchall()]
            for table in tables:
                t = sql.Identifier(table)
                cur.execute(sql.SQL("REVOKE ALL ON {} FROM {}").format(t, ident))
                if protected(table):
                    cur.execute(sql.SQL("GRANT SELECT, INSERT ON {} TO {}").format(t, ident))
                else:
                    cur.execute(sql.SQL("GRANT SELECT, INSERT, UPDATE, DELETE ON {} TO {}").format(t, ident))
            # pghistory's trigger functions run as the caller: it needs the context table.
        self.stdout.write(f"App role {role}: {len(tables)} tables granted; history tables insert-only.")
