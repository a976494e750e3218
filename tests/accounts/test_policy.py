"""The role table: the administrator manages accounts and never decides cases."""

import pytest

from clearrecord.accounts.models import Role
from clearrecord.accounts.policy import CAPABILITIES, can

CASE_CAPABILITIES = [
    "decide",
    "bulk_decide",
    "object",
    "comment",
    "view_cases",
    "build_batch",
    "record_order",
]


@pytest.mark.parametrize("capability", CASE_CAPABILITIES)
def test_admin_cannot_take_case_actions(administrator, capability: str) -> None:
    assert not can(administrator, capability)


def test_admin_manages_users(administrator, prosecutor) -> None:
    assert can(administrator, "manage_users")
    assert not can(prosecutor, "manage_users")


@pytest.mark.parametrize(
    ("role", "capability", "allowed"),
    [
        (Role.DA_REVIEWER, "decide", True),
        (Role.DA_REVIEWER, "bulk_decide", False),
        (Role.DA_SUPERVISOR, "bulk_decide", True),
        (Role.PUBLIC_DEFENDER, "decide", False),
        (Role.PUBLIC_DEFENDER, "object", True),
        (Role.COURT_CLERK, "decide", False),
        (Role.COURT_CLERK, "record_order", True),
    ],
)
def test_role_table(make_user, role: str, capability: str, allowed: bool) -> None:
    assert can(make_user(role), capability) is allowed


def test_inactive_and_anonymous_users_can_do_nothing(make_user) -> None:
    from django.contrib.auth.models import AnonymousUser

    inactive = make_user(Role.DA_SUPERVISOR, is_active=False)
    for capability in CAPABILITIES:
        assert not can(inactive, capability)
        assert not can(AnonymousUser(), capability)


def test_unknown_capability_is_refused(supervisor) -> None:
    assert not can(supervisor, "launch_missiles")
