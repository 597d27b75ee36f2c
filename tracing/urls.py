from django.urls import path

from tracing import views, views_chains, views_import

app_name = "tracing"
urlpatterns = [
    path("", views.case_list, name="case_list"),
    path("cases/new/", views.case_create, name="case_create"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", views.case_edit, name="case_edit"),
    path("cases/<int:pk>/classify/", views.case_classify, name="case_classify"),
    path("cases/<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("cases/<int:pk>/contacts/import/", views_import.contact_import, name="contact_import"),
    path("cases/<int:pk>/chain/", views_chains.case_chain, name="case_chain"),
    path("chains/", views_chains.chain_statistics, name="chain_statistics"),
    path("imports/<int:pk>/", views_import.contact_import_detail, name="contact_import_detail"),
    path("imports/<int:pk>/errors/", views_import.contact_import_errors, name="contact_import_errors"),
    path("imports/<int:pk>/progress/", views_import.contact_import_progress, name="contact_import_progress"),
    path("cases/<int:pk>/visits/", views.visit_add, name="visit_add"),
    path("visits/<int:pk>/delete/", views.visit_delete, name="visit_delete"),
    path("contacts/<int:pk>/", views.exposure_detail, name="exposure_detail"),
    path("contacts/<int:pk>/contacts/new/", views.contact_add_secondary, name="contact_add_secondary"),
    path("follow-up/", views.follow_up_list, name="follow_ups"),
    path("follow-up/<int:pk>/", views.follow_up_detail, name="follow_up_detail"),
    path("follow-up/<int:pk>/result/", views.follow_up_result, name="follow_up_result"),
    path("follow-up/<int:pk>/change/", views.follow_up_change, name="follow_up_change"),
    path("follow-up/<int:pk>/stop/", views.follow_up_stop, name="follow_up_stop"),
    path("tasks/", views.my_tasks, name="my_tasks"),
    path("tasks/all/", views.task_list, name="tasks"),
    path("tasks/new/", views.task_create, name="task_create"),
    path("tasks/<int:pk>/", views.task_detail, name="task_detail"),
    path("tasks/<int:pk>/status/", views.task_status, name="task_status"),
    path("stays/", views.stays, name="stays"),
]
