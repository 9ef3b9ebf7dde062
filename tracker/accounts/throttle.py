"""Sign-in throttling: an attempt is reserved before its password is checked, so concurrent
guesses cannot slip past the limit, and limits are kept per client address, per account at that
address and per account everywhere.

- An address that fails ADDRESS_LIMIT times in the window is refused (one machine cannot spray
  guesses across many accounts).
- An account at one address is refused after PAIR_LIMIT attempts (one machine cannot go on
  guessing one password). Another address is not affected, so an attacker who fails from their
  own address does not lock the real person out.
- An account is refused everywhere after ACCOUNT_LIMIT attempts from all addresses together
  (bounds guessing spread over many machines). Reaching it takes ACCOUNT_LIMIT / ADDRESS_LIMIT
  addresses per account per window, so locking every user in England out would take thousands
  of addresses kept busy without a break.

Each counter is one row of the shared key/value store, bumped by one atomic statement that
returns the new count (INSERT ... ON CONFLICT DO UPDATE ... RETURNING): the reservation is the
count, never a read followed by a write. Counts apply whether or not an account exists for the
email, so a lock gives nothing away.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from tracker import clock
from tracker.kv import service as kv

PAIR_LIMIT = 5  # attempts for one email from one address within the window
ACCOUNT_LIMIT = PAIR_LIMIT  # the limit a person meets (kept for the tests and messages)
ACCOUNT_WIDE_LIMIT = 50  # attempts for one email from every address together
ADDRESS_LIMIT = 20  # failed attempts from one address, whatever the email
WINDOW = dt.timedelta(minutes=15)
LOCK = dt.timedelta(minutes=15)
RESET_EMAIL_LIMIT = 3  # password-reset emails per email address per hour
PREFIX = "signin:"


@dataclass(frozen=True)
class Lock:
    kind: str  # "account" | "address"
    until: dt.datetime

    def minutes_left(self, now: dt.datetime | None = None) -> int:
        now = now or clock.now()
        return max(1, -(-int((self.until - now).total_seconds()) // 60))


@dataclass(frozen=True)
class Reservation:
    """The outcome of reserving an attempt: refused (with the lock), or allowed. An allowed attempt
    may be the last one before a lock: `locks_on_failure` says which locks a failure now sets."""

    refused: Lock | None
    locks_on_failure: tuple[Lock, ...] = ()
    address_key: str = ""


def _digest(value: str) -> str:
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:40]


def address_key(ip: str) -> str:
    return f"{PREFIX}lock:address:{_digest(ip)}"


def account_key(email: str) -> str:
    return f"{PREFIX}lock:account:{_digest(email)}"


def pair_key(email: str, ip: str) -> str:
    # Under the account's key, so that a password reset clears every address's count at once.
    return f"{account_key(email)}:{_digest(ip)}"


async def reserve(email: str, ip: str) -> Reservation:
    """Count this attempt against the address, then the account at that address, then the account
    everywhere, stopping at the first limit passed. Call before checking the password."""
    steps = [(address_key(ip), ADDRESS_LIMIT, "address")] if ip else []
    steps += [(pair_key(email, ip), PAIR_LIMIT, "account"), (account_key(email), ACCOUNT_WIDE_LIMIT, "account")]
    last: list[Lock] = []
    counted: list[str] = []
    for key, limit, kind in steps:
        count, expires_at = await kv.reserve(key, limit=limit, window=WINDOW, lock=LOCK)
        counted.append(key)
        if count > limit:
            # A refused attempt checks no password, so it is no guess: its counts are given back.
            # Kept, a burst of sign-ins from one NHS network address (more in flight at once than
            # the limit, every password right) left the address over its limit for the whole
            # lock after every good one had given its count back.
            for done in counted:
                await kv.release(done)
            return Reservation(refused=Lock(kind, expires_at), address_key=address_key(ip) if ip else "")
        if count == limit:
            last.append(Lock(kind, expires_at))
    return Reservation(refused=None, locks_on_failure=tuple(last), address_key=address_key(ip) if ip else "")


async def succeeded(email: str, reservation: Reservation) -> None:
    """A good sign-in: forget the account's counts, and give the address its attempt back (many
    people sign in from behind one NHS network address)."""
    await kv.delete_prefix(account_key(email))
    if reservation.address_key:
        await kv.release(reservation.address_key)


async def clear_account(email: str) -> None:
    """Forget an email's attempts and locks at every address (after a password reset)."""
    await kv.delete_prefix(account_key(email))


async def allow_reset_email(email: str) -> bool:
    """At most RESET_EMAIL_LIMIT reset emails an hour for one address, so the form cannot flood a mailbox."""
    count, _ = await kv.reserve(
        f"{PREFIX}reset:{_digest(email)}", limit=RESET_EMAIL_LIMIT, window=dt.timedelta(hours=1)
    )
    return count <= RESET_EMAIL_LIMIT
