from django.contrib.auth import views as auth_views
from django.urls import path

from accounts import views, views_replicas

app_name = "accounts"
urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/", views.password_change, name="password_change"),
    path("language/", views.language_set, name="language_set"),
    path("me/", views.profile, name="profile"),
    path("me/tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/new/", views.user_create, name="user_create"),
    path("users/<int:pk>/", views.user_detail, name="user_detail"),
    path("memberships/<int:pk>/revoke/", views.membership_revoke, name="membership_revoke"),
]

audit_urlpatterns = ([
    path("", views.audit_list, name="list"),
    path("<int:pk>/", views.audit_detail, name="detail"),
    path("replicas/", views_replicas.replica_list, name="replicas"),
], "audit")
