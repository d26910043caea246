"""Secret links (calendar feed tokens, the expert's page): one scheme, in one place.

A link's row keeps a random 256-bit seed and the SHA-256 hash of its token; the token is
HMAC-SHA256(server key, seed), where the server key is HMAC-SHA256(SECRET_KEY, domain) and each
kind of link has its own domain string. A copy of the database alone gives no working link, yet
the app can show a link again; a changed SECRET_KEY makes old links unshowable (they still work
until rotated).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets

from flask import current_app

# 32 bytes in unpadded URL-safe base64.
TOKEN_RE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def well_formed(token: str | None) -> bool:
    return bool(TOKEN_RE.match(token or ""))


def derive(domain: bytes, seed_hex: str) -> str:
    """The token of `seed_hex` for links of `domain`."""
    key = hmac.new(current_app.config["SECRET_KEY"].encode(), domain, hashlib.sha256).digest()
    digest = hmac.new(key, bytes.fromhex(seed_hex), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def new_seed(domain: bytes) -> tuple[str, str]:
    """A fresh (seed, token hash) pair for a new link row."""
    seed = secrets.token_hex(32)
    return seed, hash_token(derive(domain, seed))


def token_of(domain: bytes, seed: str, token_hash: str) -> str | None:
    """The token a row stands for, or None when SECRET_KEY changed since it was made."""
    token = derive(domain, seed)
    return token if hmac.compare_digest(hash_token(token), token_hash) else None
