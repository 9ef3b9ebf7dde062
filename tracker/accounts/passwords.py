"""Password hashing (argon2id) and the password rules (NCSC: length over complexity, and no common
password)."""

from __future__ import annotations

import functools
import re

import anyio.to_thread
from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError

PROFILE = profiles.RFC_9106_LOW_MEMORY  # argon2id, 64 MiB, 3 passes
_hasher = PasswordHasher.from_parameters(PROFILE)

MIN_LENGTH = 12
MAX_LENGTH = 200

# NHS-flavoured guesses that meet the length rule, beside the published list below.
LOCAL_COMMON = frozenset(
    {
        "password1234",
        "123456789012",
        "qwertyuiopas",
        "passwordpassword",
        "iloveyou1234",
        "letmeinletmein",
        "welcome12345",
        "password12345",
        "administrator",
        "qwerty123456",
        "1234567890123",
        "abcdefghijkl",
        "changemechangeme",
        "nhsnhsnhsnhs",
        "password123456",
    }
)

_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@functools.cache
def common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords (zxcvbn's frequency list, drawn from leaked password sets),
    lower-cased, with our own few. Loaded once, on first use."""
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(p.lower() for p in FREQUENCY_LISTS["passwords"]) | LOCAL_COMMON


def is_common(password: str) -> bool:
    """A common password, or one with only digits and symbols around a common one
    ("Password1234!" is "password" with decoration, and guessed as early)."""
    lowered = password.lower()
    common = common_passwords()
    if lowered in common:
        return True
    core = _EDGES.sub("", lowered)
    return len(core) >= 6 and core in common


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password cannot be used, in words for the person choosing it; None if it can."""
    if len(password) < MIN_LENGTH:
        return f"Password must be {MIN_LENGTH} characters or more"
    if len(password) > MAX_LENGTH:
        return f"Password must be {MAX_LENGTH} characters or fewer"
    lowered = password.lower()
    if is_common(password) or len(set(lowered)) < 4:
        return "Password is too easy to guess: try three random words"
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return "Password must not contain your email address"
    return None


def hash_password_sync(password: str) -> str:
    return _hasher.hash(password)


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


def _verify(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _unknown_email_hash(_hasher), password)
    except (VerificationError, InvalidHashError):
        return False


@functools.cache
def _unknown_email_hash(hasher: PasswordHasher) -> str:
    """What a password is checked against when the email is unknown, so that the answer takes as
    long either way. Made when first needed (the app makes it as it starts), not on import: with
    the production profile it takes a quarter of a second, which every command paid."""
    return hasher.hash("not-a-real-password-for-timing")


async def prepare() -> None:
    """Make the unknown-email hash now (in a thread), so that the first sign-in with an unknown
    email takes no longer than any other."""
    await anyio.to_thread.run_sync(_unknown_email_hash, _hasher)


async def verify_password(password_hash: str | None, password: str) -> bool:
    return await anyio.to_thread.run_sync(_verify, password_hash, password)
