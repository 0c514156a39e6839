"""Who may log in as whom: django-hijack's `superusers_and_staff` rule, plus the permission.

Checked twice: when the admin button is pressed and again at authorize-as (the one that
counts), so a right withdrawn in between is honoured.
"""

from __future__ import annotations

PERMISSION = "flex_auth_django.login_as_user"


def may_act(staff) -> bool:
    """A signed-in, active staff member who holds the Login-as permission (superusers hold every permission)."""
    return bool(
        staff is not None
        and getattr(staff, "is_authenticated", False)
        and staff.is_active
        and staff.is_staff
        and staff.has_perm(PERMISSION)
    )


def refusal(staff, target) -> str | None:
    """Why `staff` may not log in as `target`, or None when they may.

    Superusers may log in as anyone active; other staff not as staff or superusers; nobody
    as an inactive user.
    """
    if not may_act(staff):
        return "You do not have the permission to log in as users."
    if target is None:
        return "No such user."
    if not getattr(target, "is_active", True):
        return "The user is inactive."
    if not staff.is_superuser and (getattr(target, "is_staff", False) or getattr(target, "is_superuser", False)):
        return "Only superusers may log in as staff members."
    return None


def user_key(user) -> str:
    """The `user_id` the web template carries for `user`, and the `sub` of its tokens: the primary key as text."""
    return str(user.pk)
