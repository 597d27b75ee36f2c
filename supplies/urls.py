from django.urls import path

from supplies import views, views_audit

app_name = "supplies"
urlpatterns = [
    path("", views.home, name="home"),
    path("public/", views_audit.public, name="public"),
    path("publish/", views_audit.publish, name="publish"),
    path("audit/", views_audit.audit_page, name="audit"),
    path("audit/export.csv", views_audit.audit_export, {"fmt": "csv"}, name="audit_export_csv"),
    path("audit/export.xlsx", views_audit.audit_export, {"fmt": "xlsx"}, name="audit_export_xlsx"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("locations/<int:pk>/", views.location_detail, name="location"),
    path("locations/<int:pk>/move/", views.location_move, name="location_move"),
    path("locations/<int:pk>/card/<int:item_pk>/", views.stock_card, name="card"),
    path("vouchers/", views.voucher_list, name="vouchers"),
    path("vouchers/<int:pk>/", views.voucher_detail, name="voucher"),
    path("vouchers/<int:pk>/reverse/", views.voucher_reverse, name="voucher_reverse"),
    path("donations/", views.donation_list, name="donations"),
    path("donations/new/", views.donation_create, name="donation_create"),
    path("donations/<int:pk>/", views.donation_detail, name="donation"),
    path("donations/<int:pk>/receipt/", views.donation_receipt, name="donation_receipt"),
    path("donations/<int:pk>/delivery/", views.donation_delivery, name="donation_delivery"),
    path("donations/<int:pk>/direction/", views.donation_direction, name="donation_direction"),
    path("requests/", views.request_list, name="requests"),
    path("requests/new/", views.request_create, name="request_create"),
    path("requests/<int:pk>/", views.request_detail, name="request"),
    path("requests/<int:pk>/edit/", views.request_edit, name="request_edit"),
    path("requests/<int:pk>/decide/", views.request_decide, name="request_decide"),
    path("requests/<int:pk>/allocate/", views.request_allocate, name="request_allocate"),
    path("requests/<int:pk>/deliver/", views.request_deliver, name="request_deliver"),
    path("requests/<int:pk>/purchase/", views.request_purchase, name="request_purchase"),
    path("requests/<int:pk>/close/", views.request_close, name="request_close"),
]
