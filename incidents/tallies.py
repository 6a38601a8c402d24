"""Incident tallies: incidents counted per school, local day and one grouping (period, place,
pupil, each behaviour ticked, each antecedent ticked), with how many used force.

The school overview reads a term from these few thousand rows instead of tens of thousands of
incidents. They are derived data, kept exactly in step by the `tally` trigger on Incident: every
insert adds the incident's parts, every change to a counted column (a correction moving the date,
pupil, place or period; force; the ticks) takes the old parts away and adds the new ones, in one
statement. `drift()` compares them with a count of the incidents themselves; the
`incident_tallies` command checks or rebuilds them.

The SQL that splits incidents into parts is written once (`_parts`) and used by the trigger (for
OLD and NEW) and by the rebuild (for a whole table)."""

from django.db import connection, transaction

TABLE = "incidents_incidenttally"
DIMENSIONS = ("period", "place", "pupil", "behaviour", "antecedent")
COUNTED = ("school_id", "local_date", "pupil_id", "period_id", "location_id", "physical_intervention",
           "behaviour_picks", "antecedent_picks")


def _parts(rows: str) -> str:
    """SELECTs of (school_id, local_date, dimension, key, label, n, physical) for `rows`, a FROM item
    with a `sign` column (+1 adds, -1 takes away) and the COUNTED columns. A label ticked twice
    on one incident counts once."""
    force = "CASE WHEN r.physical_intervention THEN r.sign ELSE 0 END"
    keyed = " UNION ALL ".join(
        f"SELECT r.school_id, r.local_date, '{dim}'::varchar, r.{col}, NULL::varchar, r.sign, {force} FROM {rows} AS r"
        for dim, col in (("period", "period_id"), ("place", "location_id"), ("pupil", "pupil_id")))
    ticked = " UNION ALL ".join(
        f"SELECT r.school_id, r.local_date, '{dim}'::varchar, NULL::int, p.label, r.sign, {force} "
        f"FROM {rows} AS r CROSS JOIN LATERAL (SELECT DISTINCT unnest(r.{dim}_picks)) AS p(label)"
        for dim in ("behaviour", "antecedent"))
    return f"{keyed} UNION ALL {ticked}"


def _upsert(parts: str) -> str:
    """Adds summed parts to the tallies. Rows go in key order, so two writers lock shared tally
    rows in the same order and cannot deadlock each other."""
    return f"""
        INSERT INTO {TABLE} AS t (school_id, local_date, dimension, key, label, n, physical)
        SELECT school_id, local_date, dimension, key, label, sum(n), sum(physical)
        FROM ({parts}) AS parts (school_id, local_date, dimension, key, label, n, physical)
        GROUP BY school_id, local_date, dimension, key, label
        HAVING sum(n) <> 0 OR sum(physical) <> 0
        ORDER BY school_id, local_date, dimension, key, label
        ON CONFLICT (school_id, local_date, dimension, key, label)
        DO UPDATE SET n = t.n + EXCLUDED.n, physical = t.physical + EXCLUDED.physical"""


def _row(record: str, sign: int, op: str) -> str:
    cols = ", ".join(f"{record}.{c}" for c in COUNTED)
    return f"SELECT {sign} AS sign, {cols} WHERE TG_OP <> '{op}'"


# The trigger's body: OLD's parts out (not on INSERT), NEW's parts in (not on DELETE).
TRIGGER_FUNC = f"""
    {_upsert(_parts(f"({_row('OLD', -1, 'INSERT')} UNION ALL {_row('NEW', 1, 'DELETE')})"))};
    RETURN NULL;"""

# Only changes to counted columns touch the tallies (a reviewed flag or an addendum doesn't).
TRIGGER_CONDITION = " OR ".join(f'OLD."{c}" IS DISTINCT FROM NEW."{c}"' for c in COUNTED)


def _all_incidents(where: str = "") -> str:
    return f"(SELECT 1 AS sign, {', '.join(COUNTED)} FROM incidents_incident {where})"


def count_all_sql(where: str = "") -> str:
    """Tallies every incident (matching `where`) into an empty tally table."""
    return _upsert(_parts(_all_incidents(where)))


def rebuild(school_id: int | None = None) -> int:
    """Recounts the tallies (of one school, or all) from the incidents, under a lock that holds
    incident writes back meanwhile. For bulk loads that ran with triggers off, and for repair."""
    where, params = ("WHERE school_id = %s", [school_id]) if school_id else ("", [])
    with transaction.atomic(), connection.cursor() as cur:
        cur.execute("LOCK TABLE incidents_incident IN SHARE MODE")
        cur.execute(f"DELETE FROM {TABLE} {where}", params)
        cur.execute(count_all_sql(where), params * len(DIMENSIONS))
        return cur.rowcount


def drift(school_id: int | None = None) -> list[tuple]:
    """Tally rows that differ from a count of the incidents: (school, date, dimension, key, label,
    counted n, tallied n, counted physical, tallied physical). Empty when in step; zero rows left
    by corrections count as nothing."""
    where, params = ("WHERE school_id = %s", [school_id]) if school_id else ("", [])
    with connection.cursor() as cur:
        cur.execute(f"""
            WITH counted AS (
                SELECT school_id, local_date, dimension, key, label, sum(n) AS n, sum(physical) AS physical
                FROM ({_parts(_all_incidents(where))})
                     AS parts (school_id, local_date, dimension, key, label, n, physical)
                GROUP BY school_id, local_date, dimension, key, label),
            tallied AS (SELECT * FROM {TABLE}
                        WHERE (n <> 0 OR physical <> 0){" AND school_id = %s" if school_id else ""})
            SELECT coalesce(c.school_id, t.school_id), coalesce(c.local_date, t.local_date),
                   coalesce(c.dimension, t.dimension), coalesce(c.key, t.key), coalesce(c.label, t.label),
                   c.n, t.n, c.physical, t.physical
            FROM counted AS c FULL JOIN tallied AS t
              ON (c.school_id, c.local_date, c.dimension) = (t.school_id, t.local_date, t.dimension)
             AND c.key IS NOT DISTINCT FROM t.key AND c.label IS NOT DISTINCT FROM t.label
            WHERE c.n IS DISTINCT FROM t.n OR c.physical IS DISTINCT FROM t.physical
            ORDER BY 1, 2, 3, 4, 5""", params * (len(DIMENSIONS) + 1))
        return cur.fetchall()
