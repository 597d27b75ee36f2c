from django.urls import path

from reports import views, views_board, views_export, views_figures, views_forms, views_templates

app_name = "reports"
urlpatterns = [
    path("", views.today, name="today"),
    path("indicator/", views.indicator_preview, name="indicator"),
    path("figures/", views_figures.figure_list, name="figures"),
    path("figures/new/", views_figures.figure_edit, name="figure_new"),
    path("figures/<str:key>/", views_figures.figure_detail, name="figure"),
    path("figures/<str:key>/edit/", views_figures.figure_edit, name="figure_edit"),
    path("forms/<slug:code>/compute/", views.compute, name="compute"),
    path("forms/", views_forms.form_list, name="forms"),
    path("forms/new/", views_forms.form_new, name="form_new"),
    path("forms/<slug:code>/edit/", views_forms.form_edit, name="form_edit"),
    path("forms/<slug:code>/versions/", views.form_versions, name="versions"),
    path("forms/<slug:code>/versions/<int:pk>/jump/", views_templates.version_jump, name="version_jump"),
    path("templates/", views_templates.template_list, name="templates"),
    path("templates/<int:pk>/", views_templates.template_detail, name="template"),
    path("templates/<int:pk>/day.xlsx", views_templates.template_day, name="template_day"),
    path("s/<int:pk>/", views.submission_detail, name="submission"),
    path("s/<int:pk>/action/", views.submission_action, name="submission_action"),
    path("s/<int:pk>/cell/<str:row>/<slug:column>/", views.cell, name="cell"),
    path("board/", views_board.board_page, name="board"),
    path("reconcile/", views_board.reconcile_page, name="reconcile"),
    path("day.xlsx", views_export.day_xlsx, name="day_xlsx"),
    path("day.json", views_export.day_json, name="day_json"),
    path("s/<int:pk>/export.csv", views_export.submission_csv, name="submission_csv"),
    path("s/<int:pk>/manual.xlsx", views_export.submission_manual_xlsx, name="submission_manual_xlsx"),
]
