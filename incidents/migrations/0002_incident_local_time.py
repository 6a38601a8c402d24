"""Stored local time on incidents (issue 8): the date, ISO weekday and hour of `occurred_at` in
Europe/London, so the dashboards group by them without converting every row at query time.

Existing rows are backfilled in SQL while the history update trigger is removed (the values are
derived from `occurred_at`, which history already holds), then made NOT NULL; from then on the
`local_time` trigger and the services keep them."""

import pgtrigger.compiler
import pgtrigger.migrations
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0003_membership_can_edit_plans'),
        ('incidents', '0001_initial'),
        ('pupils', '0002_contact_ticks_not_prefilled'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        pgtrigger.migrations.RemoveTrigger(
            model_name='incident',
            name='update_update',
        ),
        migrations.AddField(
            model_name='incident',
            name='local_date',
            field=models.DateField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='incident',
            name='local_hour',
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name='incident',
            name='local_weekday',
            field=models.PositiveSmallIntegerField(editable=False, null=True),
        ),
        migrations.RunSQL(
            sql="""
                UPDATE incidents_incident
                SET local_date = (occurred_at AT TIME ZONE 'Europe/London')::date,
                    local_weekday = extract(isodow FROM occurred_at AT TIME ZONE 'Europe/London'),
                    local_hour = extract(hour FROM occurred_at AT TIME ZONE 'Europe/London')
            """,
            reverse_sql=migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='incident',
            name='local_date',
            field=models.DateField(editable=False),
        ),
        migrations.AlterField(
            model_name='incident',
            name='local_hour',
            field=models.PositiveSmallIntegerField(editable=False),
        ),
        migrations.AlterField(
            model_name='incident',
            name='local_weekday',
            field=models.PositiveSmallIntegerField(editable=False),
        ),
        migrations.AddIndex(
            model_name='incident',
            index=models.Index(fields=['school', 'local_date'], include=('pupil', 'local_weekday', 'local_hour', 'period', 'location', 'physical_intervention', 'intensity'), name='incident_school_local_date'),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='incident',
            trigger=pgtrigger.compiler.Trigger(name='local_time', sql=pgtrigger.compiler.UpsertTriggerSql(func="\n                    NEW.local_date := (NEW.occurred_at AT TIME ZONE 'Europe/London')::date;\n                    NEW.local_weekday := extract(isodow FROM NEW.occurred_at AT TIME ZONE 'Europe/London');\n                    NEW.local_hour := extract(hour FROM NEW.occurred_at AT TIME ZONE 'Europe/London');\n                    RETURN NEW;", hash='c0ed99ff6cb9ac2bf01f16d86d6ddda6a1bc151f', operation='INSERT OR UPDATE', pgid='pgtrigger_local_time_339bd', table='incidents_incident', when='BEFORE')),
        ),
        pgtrigger.migrations.AddTrigger(
            model_name='incident',
            trigger=pgtrigger.compiler.Trigger(name='update_update', sql=pgtrigger.compiler.UpsertTriggerSql(condition='WHEN (OLD."activity" IS DISTINCT FROM (NEW."activity") OR OLD."antecedent" IS DISTINCT FROM (NEW."antecedent") OR OLD."antecedent_picks" IS DISTINCT FROM (NEW."antecedent_picks") OR OLD."behaviour" IS DISTINCT FROM (NEW."behaviour") OR OLD."behaviour_picks" IS DISTINCT FROM (NEW."behaviour_picks") OR OLD."consequence" IS DISTINCT FROM (NEW."consequence") OR OLD."consequence_picks" IS DISTINCT FROM (NEW."consequence_picks") OR OLD."corrected" IS DISTINCT FROM (NEW."corrected") OR OLD."created_by_id" IS DISTINCT FROM (NEW."created_by_id") OR OLD."damage" IS DISTINCT FROM (NEW."damage") OR OLD."duration_minutes" IS DISTINCT FROM (NEW."duration_minutes") OR OLD."id" IS DISTINCT FROM (NEW."id") OR OLD."intensity" IS DISTINCT FROM (NEW."intensity") OR OLD."is_full_report" IS DISTINCT FROM (NEW."is_full_report") OR OLD."location_id" IS DISTINCT FROM (NEW."location_id") OR OLD."occurred_at" IS DISTINCT FROM (NEW."occurred_at") OR OLD."outcome" IS DISTINCT FROM (NEW."outcome") OR OLD."outcome_picks" IS DISTINCT FROM (NEW."outcome_picks") OR OLD."period_id" IS DISTINCT FROM (NEW."period_id") OR OLD."physical_intervention" IS DISTINCT FROM (NEW."physical_intervention") OR OLD."pupil_id" IS DISTINCT FROM (NEW."pupil_id") OR OLD."recorded_at" IS DISTINCT FROM (NEW."recorded_at") OR OLD."reviewed_at" IS DISTINCT FROM (NEW."reviewed_at") OR OLD."reviewed_by_id" IS DISTINCT FROM (NEW."reviewed_by_id") OR OLD."school_id" IS DISTINCT FROM (NEW."school_id") OR OLD."setting_events" IS DISTINCT FROM (NEW."setting_events") OR OLD."strategies" IS DISTINCT FROM (NEW."strategies") OR OLD."strategy_picks" IS DISTINCT FROM (NEW."strategy_picks") OR OLD."suspected_function" IS DISTINCT FROM (NEW."suspected_function"))', func='INSERT INTO "incidents_incidentevent" ("activity", "antecedent", "antecedent_picks", "behaviour", "behaviour_picks", "consequence", "consequence_picks", "corrected", "created_by_id", "damage", "duration_minutes", "id", "intensity", "is_full_report", "location_id", "occurred_at", "outcome", "outcome_picks", "period_id", "pgh_context_id", "pgh_created_at", "pgh_label", "pgh_obj_id", "physical_intervention", "pupil_id", "recorded_at", "reviewed_at", "reviewed_by_id", "school_id", "setting_events", "strategies", "strategy_picks", "suspected_function") VALUES (NEW."activity", NEW."antecedent", NEW."antecedent_picks", NEW."behaviour", NEW."behaviour_picks", NEW."consequence", NEW."consequence_picks", NEW."corrected", NEW."created_by_id", NEW."damage", NEW."duration_minutes", NEW."id", NEW."intensity", NEW."is_full_report", NEW."location_id", NEW."occurred_at", NEW."outcome", NEW."outcome_picks", NEW."period_id", _pgh_attach_context(), NOW(), \'update\', NEW."id", NEW."physical_intervention", NEW."pupil_id", NEW."recorded_at", NEW."reviewed_at", NEW."reviewed_by_id", NEW."school_id", NEW."setting_events", NEW."strategies", NEW."strategy_picks", NEW."suspected_function"); RETURN NULL;', hash='68fcbf699b667427da61b017287810664a7ece9c', operation='UPDATE', pgid='pgtrigger_update_update_41444', table='incidents_incident', when='AFTER')),
        ),
    ]
