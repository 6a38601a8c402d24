from django.urls import path

from .views import log, records

app_name = "incidents"

urlpatterns = [
    path("", records.incident_list, name="list"),
    path("new/", log.quick_log, name="new"),
    path("full/", log.full_report, name="full"),
    path("autosave/", log.autosave, name="autosave"),
    path("pupil-search/", log.pupil_search, name="pupil_search"),
    path("strategy-picks/", log.strategy_picks, name="strategy_picks"),
    path("drafts/<uuid:key>/discard/", log.discard_draft, name="discard_draft"),
    path("mine/", records.my_logs, name="mine"),
    path("export.csv", records.export_csv, name="export"),
    path("pupil/<int:pupil_id>/", records.pupil_timeline, name="pupil_timeline"),
    path("<int:incident_id>/", records.incident_detail, name="detail"),
    path("<int:incident_id>/addendum/", records.add_addendum, name="addendum"),
    path("<int:incident_id>/correct/", records.correct, name="correct"),
    path("<int:incident_id>/review/", records.review, name="review"),
]
