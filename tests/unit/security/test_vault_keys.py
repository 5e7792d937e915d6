"""The vault's keys, read once a batch: person keys the same however often asked, the memo bounded."""

from __future__ import annotations

from datetime import date

from credit_warehouse.identifiers import make_resident_id, mask_resident_id
from credit_warehouse.security import vault


def test_person_keys_are_stable_past_the_memos_bound_and_tokens_and_ciphertexts_round_trip(monkeypatch):
    monkeypatch.setenv("CREDIT_WAREHOUSE_VAULT_KEY", "unit-test-vault-key")
    monkeypatch.setenv("CREDIT_WAREHOUSE_PERSON_KEY_SECRET", "unit-test-person-secret")
    numbers = [make_resident_id("370102", date(1970 + n, 1, 1), n) for n in range(5)]
    fresh = [vault.person_key(number) for number in numbers]  # a Keys of its own each time
    keys = vault.Keys()
    monkeypatch.setattr(keys, "MEMO", 2)
    assert [keys.person_key(number) for number in numbers * 2] == fresh * 2
    assert len(keys._person_keys) <= 2
    assert keys.token(numbers[0]) == f"{mask_resident_id(numbers[0])}#{fresh[0]}"
    ciphertext, key_id = keys.encrypt(numbers[0])
    assert numbers[0].encode() not in ciphertext and vault.decrypt(ciphertext) == numbers[0]
    assert key_id == vault.Keys().key_id
