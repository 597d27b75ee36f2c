"""The workers' pages under /intake/ and the public pages (no sign-in) under /i/ (intake.middleware bounds the
public bodies), in one namespace."""

from django.urls import path

from intake import views, views_public

app_name = "intake"
urlpatterns = [
    path("intake/", views.queue, name="queue"),
    path("intake/d/<int:pk>/", views.declaration_detail, name="declaration"),
    path("intake/d/<int:pk>/confirm/", views.declaration_confirm, name="declaration_confirm"),
    path("intake/d/<int:pk>/reject/", views.declaration_reject, name="declaration_reject"),
    path("intake/posters/", views.posters, name="posters"),
    path("intake/posters/<int:pk>/", views.poster, name="poster"),
    path("intake/posters/<int:pk>/poster.png", views.poster_file, {"kind": "png"}, name="poster_png"),
    path("intake/posters/<int:pk>/poster.pdf", views.poster_file, {"kind": "pdf"}, name="poster_pdf"),
    path("intake/posters/<int:pk>/revoke/", views.poster_revoke, name="poster_revoke"),
    path("intake/people/<int:pk>/self-report/", views.self_report_links, name="self_report_links"),
    path("intake/self-report/<int:pk>/qr.png", views.self_report_qr, name="self_report_qr"),
    path("intake/self-report/<int:pk>/revoke/", views.self_report_revoke, name="self_report_revoke"),
    path("i/d/<str:token>/", views_public.declare, name="declare"),
    path("i/receipt/", views_public.receipt, name="receipt"),
    path("i/c/<str:token>/", views_public.self_report, name="self_report"),
]
