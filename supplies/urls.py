from django.urls import path

from supplies.views import audit, catalogue, donations, ledger, requests

app_name = "supplies"
urlpatterns = [
    path("", ledger.home, name="home"),
    path("public/", audit.public, name="public"),
    path("publish/", audit.publish, name="publish"),
    path("audit/", audit.audit_page, name="audit"),
    path("audit/export.csv", audit.audit_export, {"fmt": "csv"}, name="audit_export_csv"),
    path("audit/export.xlsx", audit.audit_export, {"fmt": "xlsx"}, name="audit_export_xlsx"),
    path("catalogue/", catalogue.catalogue, name="catalogue"),
    path("locations/<int:pk>/", ledger.location_detail, name="location"),
    path("locations/<int:pk>/move/", ledger.location_move, name="location_move"),
    path("locations/<int:pk>/card/<int:item_pk>/", ledger.stock_card, name="card"),
    path("vouchers/", ledger.voucher_list, name="vouchers"),
    path("vouchers/<int:pk>/", ledger.voucher_detail, name="voucher"),
    path("vouchers/<int:pk>/reverse/", ledger.voucher_reverse, name="voucher_reverse"),
    path("donations/", donations.donation_list, name="donations"),
    path("donations/new/", donations.donation_create, name="donation_create"),
    path("donations/<int:pk>/", donations.donation_detail, name="donation"),
    path("donations/<int:pk>/receipt/", donations.donation_receipt, name="donation_receipt"),
    path("donations/<int:pk>/delivery/", donations.donation_delivery, name="donation_delivery"),
    path("donations/<int:pk>/direction/", donations.donation_direction, name="donation_direction"),
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_create, name="request_create"),
    path("requests/<int:pk>/", requests.request_detail, name="request"),
    path("requests/<int:pk>/edit/", requests.request_edit, name="request_edit"),
    path("requests/<int:pk>/decide/", requests.request_decide, name="request_decide"),
    path("requests/<int:pk>/allocate/", requests.request_allocate, name="request_allocate"),
    path("requests/<int:pk>/deliver/", requests.request_deliver, name="request_deliver"),
    path("requests/<int:pk>/purchase/", requests.request_purchase, name="request_purchase"),
    path("requests/<int:pk>/close/", requests.request_close, name="request_close"),
]
