from django.urls import path

from persons import views, views_arrival, views_import

app_name = "persons"
urlpatterns = [
    path("", views.person_list, name="list"),
    path("new/", views.person_create, name="create"),
    path("arrival/", views_arrival.arrival, name="arrival"),
    path("today/", views.today, name="today"),
    path("fevers/", views.fevers, name="fevers"),
    path("export.csv", views.person_export, {"fmt": "csv"}, name="export_csv"),
    path("export.xlsx", views.person_export, {"fmt": "xlsx"}, name="export_xlsx"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/resolve/", views.duplicate_resolve, name="duplicate_resolve"),
    path("fields/", views.field_list, name="fields"),
    path("fields/<int:pk>/", views.field_edit, name="field_edit"),
    path("imports/", views_import.import_list, name="imports"),
    path("imports/new/", views_import.import_create, name="import_create"),
    path("imports/<int:pk>/", views_import.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", views_import.import_progress, name="import_progress"),
    path("imports/<int:pk>/errors/", views_import.import_errors, name="import_errors"),
    path("imports/<int:pk>/mapping/", views_import.import_remap, name="import_remap"),
    path("awaiting-grid/", views_import.import_awaiting_grid, name="awaiting_grid"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/access/", views.person_access_log, name="access_log"),
    path("<int:pk>/categories/", views.category_assign, name="category_assign"),
    path("<int:pk>/categories/end/", views.category_end, name="category_end"),
    path("<int:pk>/status/", views.status_set, name="status_set"),
    path("<int:pk>/checks/", views.check_record, name="check_record"),
]
