"""Passwords: hashed with argon2id (argon2-cffi's defaults), checked in constant time."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ocrapp.core.models import User

hasher = PasswordHasher()
# Checked when no such user exists, so that a wrong email takes as long as a wrong password.
UNKNOWN_USER_HASH = hasher.hash("no such user")
MIN_LENGTH = 10


def set_password(user: User, password: str) -> None:
    """Store a hash of `password` for `user`; refuse one too short to be safe."""
    if len(password) < MIN_LENGTH:
        raise ValueError(f"a password needs at least {MIN_LENGTH} characters")
    user.password_hash = hasher.hash(password)


def password_matches(user: User | None, password: str) -> bool:
    """Whether `password` is `user`'s; rehash it if the stored hash is outdated."""
    stored = user.password_hash if user is not None and user.password_hash else None
    try:
        hasher.verify(stored or UNKNOWN_USER_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if stored is None:
        return False
    if hasher.check_needs_rehash(stored):
        user.password_hash = hasher.hash(password)
    return True
