from django.urls import path

from tracing.views import cases, chains, contacts, follow_up, imports, places, tasks

app_name = "tracing"
urlpatterns = [
    path("", cases.case_list, name="case_list"),
    path("cases/new/", cases.case_create, name="case_create"),
    path("cases/<int:pk>/", cases.case_detail, name="case_detail"),
    path("cases/<int:pk>/edit/", cases.case_edit, name="case_edit"),
    path("cases/<int:pk>/classify/", cases.case_classify, name="case_classify"),
    path("cases/<int:pk>/contacts/new/", contacts.contact_add, name="contact_add"),
    path("cases/<int:pk>/contacts/import/", imports.contact_import, name="contact_import"),
    path("cases/<int:pk>/chain/", chains.case_chain, name="case_chain"),
    path("chains/", chains.chain_statistics, name="chain_statistics"),
    path("imports/<int:pk>/", imports.contact_import_detail, name="contact_import_detail"),
    path("imports/<int:pk>/errors/", imports.contact_import_errors, name="contact_import_errors"),
    path("imports/<int:pk>/progress/", imports.contact_import_progress, name="contact_import_progress"),
    path("cases/<int:pk>/visits/", cases.visit_add, name="visit_add"),
    path("visits/<int:pk>/delete/", cases.visit_delete, name="visit_delete"),
    path("contacts/<int:pk>/", contacts.exposure_detail, name="exposure_detail"),
    path("contacts/<int:pk>/contacts/new/", contacts.contact_add_secondary, name="contact_add_secondary"),
    path("follow-up/", follow_up.follow_up_list, name="follow_ups"),
    path("follow-up/<int:pk>/", follow_up.follow_up_detail, name="follow_up_detail"),
    path("follow-up/<int:pk>/result/", follow_up.follow_up_result, name="follow_up_result"),
    path("follow-up/<int:pk>/change/", follow_up.follow_up_change, name="follow_up_change"),
    path("follow-up/<int:pk>/stop/", follow_up.follow_up_stop, name="follow_up_stop"),
    path("tasks/", tasks.my_tasks, name="my_tasks"),
    path("tasks/all/", tasks.task_list, name="tasks"),
    path("tasks/new/", tasks.task_create, name="task_create"),
    path("tasks/<int:pk>/", tasks.task_detail, name="task_detail"),
    path("tasks/<int:pk>/status/", tasks.task_status, name="task_status"),
    path("stays/", places.stays, name="stays"),
]
