"""统一社会信用代码 (Unified Social Credit Code, GB 32100-2015) validation and generation.

Both check characters are verified: position 18 over the whole code (mod 31) and position 17,
the check character of the embedded GB 11714 organisation code (mod 11).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]
_FULLWIDTH = {ord(c): ord(c) - 0xFEE0 for c in map(chr, range(0xFF01, 0xFF5F))}


@dataclass(frozen=True)
class UsccError(ValueError):
    """Why a code is not a valid USCC; ``code`` is a stable error code for machines."""

    code: str
    message_zh: str
    message_en: str

    def __str__(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


def normalize_uscc(raw: str) -> str:
    """Strip spaces and hyphens, fold full-width characters and upper-case."""
    text = raw.translate(_FULLWIDTH)
    return "".join(ch for ch in text if ch not in " -\t\u3000").upper()


def _org_code_value(ch: str) -> int:
    if ch.isdigit():
        return int(ch)
    return ord(ch) - ord("A") + 10


def org_check_char(body: str) -> str:
    """GB 11714 check character for the 8 characters of an organisation code body."""
    total = sum(_org_code_value(ch) * w for ch, w in zip(body, _ORG_WEIGHTS, strict=True))
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def uscc_check_char(first17: str) -> str:
    """GB 32100-2015 check character (position 18) for the first 17 characters."""
    total = sum(_VALUE[ch] * w for ch, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def validate_uscc(raw: str) -> str:
    """Return the normalised code or raise :class:`UsccError` saying what is wrong."""
    code = normalize_uscc(raw)
    if len(code) != 18:
        raise UsccError(
            "uscc_length",
            f"统一社会信用代码应为18位，实际为{len(code)}位",
            f"a USCC has 18 characters, got {len(code)}",
        )
    bad = [ch for ch in code if ch not in _VALUE]
    if bad:
        raise UsccError(
            "uscc_charset",
            f"统一社会信用代码含非法字符“{bad[0]}”（不使用 I、O、Z、S、V）",
            f"invalid character '{bad[0]}' in USCC (I, O, Z, S, V are never used)",
        )
    org_body = code[8:16]
    if (
        not all(ch.isdigit() or ch in ALPHABET for ch in org_body)
        or org_check_char(org_body) != code[16]
    ):
        raise UsccError(
            "uscc_org_check",
            "统一社会信用代码第17位（组织机构代码校验码）不正确",
            "check character 17 (organisation code check) is wrong",
        )
    if uscc_check_char(code[:17]) != code[17]:
        raise UsccError(
            "uscc_check",
            "统一社会信用代码第18位校验码不正确",
            "check character 18 is wrong",
        )
    return code


def is_valid_uscc(raw: str) -> bool:
    try:
        validate_uscc(raw)
    except UsccError:
        return False
    return True


def generate_uscc(rng: random.Random, *, department: str = "9", kind: str = "1") -> str:
    """A random but valid USCC (both check characters right), for sandbox and demo data."""
    region = f"{rng.choice([11, 12, 31, 32, 33, 35, 37, 44, 50, 51, 61])}{rng.randrange(100):02d}"
    region += f"{rng.randrange(100):02d}"
    org_body = "".join(rng.choice("0123456789") for _ in range(8))
    first17 = department + kind + region + org_body + org_check_char(org_body)
    return first17 + uscc_check_char(first17)
