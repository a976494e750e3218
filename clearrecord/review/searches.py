"""Free-text searches kept in the session, so that a URL carries a token instead of the text.

Names, CIIs and dates of birth must never appear in a URL (access logs, browser history, the
Referer header), yet a searched page must be a link one can reload and come back to. So the
search box POSTs its text, the text stays in the server-side session, and the URL holds
`s=<token>`. The review queue and the clerk's order form share this store.
"""

from __future__ import annotations

import secrets

from django.http import HttpRequest

SEARCHES_KEPT = 20
SESSION_KEY = "review_searches"


def search_token(request: HttpRequest, text: str) -> str:
    """Keep a search text in the session and return the token the URL carries instead."""
    searches: dict[str, str] = request.session.get(SESSION_KEY, {})
    for token, kept in searches.items():
        if kept == text:
            return token
    token = secrets.token_urlsafe(6)
    searches[token] = text
    request.session[SESSION_KEY] = dict(list(searches.items())[-SEARCHES_KEPT:])
    return token


def search_text(request: HttpRequest, token: str) -> str:
    """The text a token of this session stands for; '' when unknown (another session's link,
    or a search pushed out by newer ones)."""
    if not token:
        return ""
    return request.session.get(SESSION_KEY, {}).get(token, "")
