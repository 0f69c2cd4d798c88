import random
from pathlib import Path

import pytest

from riskdesk.dossier.uscc import (
    UsccError,
    generate_uscc,
    is_valid_uscc,
    normalize_uscc,
    validate_uscc,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uscc" / "valid.txt"


def real_codes() -> list[str]:
    if not SHARED.exists():
        pytest.skip("shared/data/uscc/valid.txt is not beside the project")
    return SHARED.read_text().split()


def test_every_real_code_validates():
    codes = real_codes()
    assert len(codes) == 100
    assert all(validate_uscc(code) == code for code in codes)


def test_changing_any_character_of_a_real_code_is_caught():
    for code in real_codes()[:20]:
        for position in range(18):
            for replacement in "0A":
                if code[position] == replacement:
                    continue
                mutated = code[:position] + replacement + code[position + 1 :]
                assert not is_valid_uscc(mutated), (code, position, mutated)


def test_organisation_check_character_is_verified_on_its_own():
    code = real_codes()[0]
    # Change position 17 and recompute position 18 so only the organisation check is wrong.
    from riskdesk.dossier.uscc import uscc_check_char

    wrong17 = "1" if code[16] != "1" else "2"
    first17 = code[:16] + wrong17
    forged = first17 + uscc_check_char(first17)
    with pytest.raises(UsccError) as info:
        validate_uscc(forged)
    assert info.value.code == "uscc_org_check"


@pytest.mark.parametrize(
    ("raw", "code"),
    [("", "uscc_length"), ("12345", "uscc_length"), ("91110108551385082I", "uscc_charset")],
)
def test_errors_say_what_is_wrong_in_both_languages(raw, code):
    with pytest.raises(UsccError) as info:
        validate_uscc(raw)
    assert info.value.code == code
    assert "/" in str(info.value) and any("\u4e00" <= ch <= "\u9fff" for ch in str(info.value))


def test_full_width_spaces_and_case_are_normalised():
    code = real_codes()[1]
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in code.lower())
    assert normalize_uscc(f" {full_width[:6]} {full_width[6:]} ") == code
    assert validate_uscc(full_width) == code


def test_generated_codes_are_valid_and_deterministic():
    first = [generate_uscc(random.Random(seed)) for seed in range(500)]
    assert all(is_valid_uscc(code) for code in first)
    assert first == [generate_uscc(random.Random(seed)) for seed in range(500)]
