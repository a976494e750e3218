"""Reads about accounts, scoped to the reader: a supervisor sees their county, an admin all."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from . import lockout
from .models import ApiToken, Role, User


def users_visible_to(user: User) -> QuerySet[User]:
    if user.role == Role.ADMIN:
        return User.objects.all()
    return User.objects.filter(county=user.county)


def locked_users_for(user: User) -> QuerySet[User]:
    """Locked accounts the reader may release, by username (two queries)."""
    return (
        users_visible_to(user).filter(username__in=lockout.locked_usernames()).order_by("username")
    )


def locked_user_get(user: User, pk: int) -> User:
    """A locked account the reader may release; anything else (other county, not locked) is 404."""
    found = locked_users_for(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found


def api_tokens_of(user: User) -> QuerySet[ApiToken]:
    """A person's own tokens: nobody else's, whatever their role."""
    return ApiToken.objects.filter(user=user)


def api_token_get(user: User, pk: int) -> ApiToken:
    found = api_tokens_of(user).filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
