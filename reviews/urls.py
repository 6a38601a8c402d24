from django.urls import path  # noqa: F401

app_name = "reviews"

# Evidence packs and batches of packs (views_packs.py).
from . import views_packs  # noqa: E402

urlpatterns = [
    path("packs/", views_packs.pack_list, name="pack_list"),
    path("packs/new/", views_packs.pack_new, name="pack_new"),
    path("packs/<int:pack_id>/", views_packs.pack_detail, name="pack_detail"),
    path("packs/<int:pack_id>/progress/", views_packs.pack_progress, name="pack_progress"),
    path("packs/<int:pack_id>/download/", views_packs.pack_download, name="pack_download"),
    path("batches/new/", views_packs.batch_new, name="batch_new"),
    path("batches/<int:batch_id>/", views_packs.batch_detail, name="batch_detail"),
    path("batches/<int:batch_id>/progress/", views_packs.batch_progress, name="batch_progress"),
    path("batches/<int:batch_id>/download/", views_packs.batch_download, name="batch_download"),
]

# Staff contributions and the DSL's safeguarding summary (views_contributions.py).
from . import views_contributions  # noqa: E402

urlpatterns += [
    path("contributions/mine/", views_contributions.my_contributions, name="my_contributions"),
    path("contributions/<int:contribution_id>/", views_contributions.contribution_detail, name="contribution"),
    path("contributions/<int:contribution_id>/write/", views_contributions.contribution_write,
         name="contribution_write"),
    path("contributions/<int:contribution_id>/withdraw/", views_contributions.contribution_withdraw,
         name="contribution_withdraw"),
    path("pupils/<int:pupil_id>/contributions/", views_contributions.pupil_contributions,
         name="pupil_contributions"),
    path("pupils/<int:pupil_id>/safeguarding-summary/", views_contributions.safeguarding_summaries,
         name="safeguarding_summaries"),
]
