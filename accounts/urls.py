from django.urls import path

from accounts import views

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    # Every person's own account.
    path("account/", views.my_account, name="my-account"),
    path("account/password/", views.password_change, name="password-change"),
    path("account/sign-out-everywhere/", views.sign_out_everywhere, name="sign-out-everywhere"),
    # The page a mailed link opens (a new account's first password, or a reset).
    path("account/set-password/<uidb64>/<token>/", views.PasswordSetView.as_view(), name="password-set"),
    path("account/set-password/done/", views.PasswordSetDoneView.as_view(), name="password-set-done"),
    # The institution's accounts (office administrators); linking one to a supervisor or a postdoc is
    # people's (people/account_pages.py, routed in config/urls.py).
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_new, name="user-new"),
    path("users/sign-ins/", views.sign_in_log, name="user-sign-ins"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/change/", views.user_change, name="user-change"),
    path("users/<int:pk>/roles/", views.role_add, name="user-role-add"),
    path("users/<int:pk>/roles/<int:role_pk>/remove/", views.role_remove, name="user-role-remove"),
    path("users/<int:pk>/deactivate/", views.user_deactivate, name="user-deactivate"),
    path("users/<int:pk>/reactivate/", views.user_reactivate, name="user-reactivate"),
    path("users/<int:pk>/password-link/", views.password_link_send, name="user-password-link"),
    path("users/<int:pk>/lift-lockout/", views.lockout_lift, name="user-lift-lockout"),
]
