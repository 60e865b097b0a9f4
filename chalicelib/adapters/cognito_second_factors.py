"""Whether a staff member has an authenticator app set up, asked of the Cognito user pool.

Cognito's ID token does not say how its holder signed in, but a user with a software token
enabled cannot sign in without its code (the pool's MFA is "optional": per user, once set up,
always asked). So "enrolled" here means every sign-in of this account needs the code.

A warm Lambda remembers a yes for a few minutes (one AdminGetUser per person per five minutes,
well inside the pool's read quota); a no is asked again on the next call, so whoever has just
set up their app is let in at once.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.adapters.boto_calls import error_code
from chalicelib.ports import Clock

REMEMBERED = timedelta(minutes=5)


class CognitoSecondFactors:
    def __init__(self, client: Any, user_pool_id: str, clock: Clock) -> None:
        self._client = client
        self._pool = user_pool_id
        self._clock = clock
        self._seen: dict[str, datetime] = {}

    def enrolled(self, claims: Mapping[str, Any]) -> bool:
        username = str(claims.get("cognito:username") or claims.get("sub") or "")
        if not username:
            return False
        now = self._clock.now()
        seen = self._seen.get(username)
        if seen is not None and now - seen < REMEMBERED:
            return True
        try:
            user = self._client.admin_get_user(UserPoolId=self._pool, Username=username)
        except ClientError as error:
            if error_code(error) == "UserNotFoundException":
                return False  # deleted since the token was issued: nothing to let in
            raise
        if "SOFTWARE_TOKEN_MFA" not in (user.get("UserMFASettingList") or []):
            self._seen.pop(username, None)
            return False
        self._seen[username] = now
        return True
