"""Business identity and bank-account rules, without a database."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from commerce.sellers.identity import mask, valid_account_number, valid_nib, valid_nik, valid_npwp
from commerce.sellers.schemas import SellerApply, SellerUpdate
from tests.seller_factories import application


@pytest.mark.parametrize("nik, ok", [
    ("3174015708900001", True),    # a woman born 17-08-1990 in Jakarta
    ("3174011708900001", True),    # a man born the same day
    ("3174013208900001", False),   # day 32
    ("3174011713900001", False),   # month 13
    ("3174011708900000", False),   # serial 0000
    ("0974011708900001", False),   # province 09 does not exist
    ("317401170890001", False),    # 15 digits
    ("31740117089000011", False),  # 17 digits
    ("31740117O8900001", False),   # a letter O
])
def test_nik(nik, ok):
    assert valid_nik(nik) is ok


def test_npwp_nib_and_account_numbers():
    assert valid_npwp("012345678901000") and valid_npwp("3174015708900001")
    assert not valid_npwp("0" * 15) and not valid_npwp("12345")
    assert valid_nib("9120001234567") and not valid_nib("912000123456")
    assert valid_account_number("8830451297") and valid_account_number("123456789012345")
    assert not valid_account_number("1234567") and not valid_account_number("1234567890123456789")


def test_mask_keeps_only_the_last_four():
    assert mask("8830451297") == "••••1297"
    assert mask(None) is None


def test_application_normalises_numbers_and_handle():
    data = SellerApply.model_validate(application(
        handle="Toko-Seruni", business_type="company", npwp="01.234.567.8-901.000", nik=None,
        payout_account={"bank_code": "BCA", "account_number": "883 045-1297", "holder_name": "PT Seruni"}))
    assert data.handle == "toko-seruni" and data.npwp == "012345678901000"
    assert data.payout_account.bank_code == "bca" and data.payout_account.account_number == "8830451297"
    assert SellerApply.model_validate(application(province="diy")).province == "DI Yogyakarta"


@pytest.mark.parametrize("overrides", [
    {"nik": None},                                   # individuals need a NIK
    {"business_type": "company", "nik": None},       # companies need an NPWP
    {"nik": "1234"},
    {"npwp": "12.345"},
    {"nib": "12"},
    {"handle": "admin"},                             # reserved
    {"handle": "-toko"},
    {"handle": "to"},
    {"shop_name": "ab"},
    {"province": "Atlantis"},
    {"payout_account": {"bank_code": "zzz", "account_number": "8830451297", "holder_name": "Seruni"}},
    {"payout_account": {"bank_code": "bca", "account_number": "12ab", "holder_name": "Seruni"}},
    {"status": "approved"},                          # nobody approves themselves
    {"user_id": "00000000-0000-0000-0000-000000000000"},
])
def test_application_refuses_bad_input(overrides):
    with pytest.raises(ValidationError):
        SellerApply.model_validate(application(**overrides))


def test_shop_update_refuses_status_handle_and_nulls():
    for body in ({"status": "approved"}, {"handle": "other"}, {"nik": "3174015708900001"}, {"shop_name": None}):
        with pytest.raises(ValidationError):
            SellerUpdate.model_validate(body)
    assert SellerUpdate.model_validate({"city": "Sleman"}).city == "Sleman"
