"""The data key ring (access.crypto): AES-256-GCM, key ids in the ciphertext, values bound to their place."""

from __future__ import annotations

import base64
import json
import logging
import os
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from access import crypto
from access.crypto import DecryptionError, KeyRing, parse_key_list

KEY_A = base64.b64encode(b"A" * 32).decode()
KEY_B = base64.b64encode(b"B" * 32).decode()
PLACE = "access.breakglassgrant.reason"


@pytest.fixture
def ring() -> KeyRing:
    return parse_key_list(f"new:{KEY_B},old:{KEY_A}")


def test_a_value_reads_back_and_carries_its_version_and_key_id(ring):
    token = ring.encrypt("学生自述有自伤想法", PLACE)
    assert token.startswith("x1:new:")
    assert "学生" not in token
    assert ring.decrypt(token, PLACE) == "学生自述有自伤想法"


def test_the_same_text_never_encrypts_to_the_same_ciphertext(ring):
    assert ring.encrypt("same", PLACE) != ring.encrypt("same", PLACE)


def test_a_value_copied_into_another_column_does_not_decrypt(ring):
    token = ring.encrypt("clinical note", PLACE)
    with pytest.raises(DecryptionError, match="copied from another field"):
        ring.decrypt(token, "care.case.summary")


def test_a_tampered_ciphertext_does_not_decrypt(ring):
    token = ring.encrypt("clinical note", PLACE)
    version, kid, blob = token.split(":")
    raw = bytearray(base64.urlsafe_b64decode(blob))
    raw[-1] ^= 1
    with pytest.raises(DecryptionError):
        ring.decrypt(f"{version}:{kid}:{base64.urlsafe_b64encode(bytes(raw)).decode()}", PLACE)


def test_relabelling_a_ciphertext_with_another_key_id_does_not_decrypt(ring):
    token = ring.encrypt("clinical note", PLACE)
    with pytest.raises(DecryptionError):
        ring.decrypt(token.replace("x1:new:", "x1:old:"), PLACE)


def test_values_under_an_old_key_stay_readable_after_a_new_primary_is_added():
    old_ring = parse_key_list(f"old:{KEY_A}")
    token = old_ring.encrypt("written last year", PLACE)
    new_ring = parse_key_list(f"new:{KEY_B},old:{KEY_A}")
    assert new_ring.primary == "new"
    assert new_ring.decrypt(token, PLACE) == "written last year"
    assert not new_ring.is_current(token)


def test_a_value_under_a_retired_key_says_which_key_is_missing(ring):
    token = parse_key_list(f"gone:{KEY_A}").encrypt("x", PLACE)
    with pytest.raises(DecryptionError, match="'gone'"):
        ring.decrypt(token, PLACE)


def test_plaintext_in_an_encrypted_column_is_refused_not_shown(ring):
    with pytest.raises(DecryptionError, match="not an x1 ciphertext"):
        ring.decrypt("plain words", PLACE)


@pytest.mark.parametrize(
    "listed, message",
    [
        (f"k1:{base64.b64encode(b'short').decode()}", "aes-256-gcm needs 32"),
        ("k1:not base64!!", "not valid base64"),
        (f"k1:{KEY_A},k1:{KEY_B}", "twice"),
        (KEY_A, "must look like"),
        (f"bad id:{KEY_A}", "key id"),
    ],
)
def test_a_malformed_key_list_is_refused_with_a_clear_message(listed, message):
    with pytest.raises(ImproperlyConfigured, match=message):
        parse_key_list(listed)


def test_keys_come_from_the_settings_list_first_one_primary(settings):
    settings.XINYU_DATA_KEYS = f"k2:{KEY_B},k1:{KEY_A}"
    assert crypto.keyring().primary == "k2"
    assert crypto.encrypt("x", PLACE).startswith("x1:k2:")


def test_keys_come_from_a_key_file(settings, tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"primary": "f1", "keys": {"f0": KEY_A, "f1": KEY_B}}))
    settings.XINYU_DATA_KEYS = ""
    settings.XINYU_DATA_KEY_FILE = str(path)
    assert crypto.keyring().primary == "f1"
    assert set(crypto.keyring().keys) == {"f0", "f1"}


def test_a_key_file_naming_a_missing_primary_is_refused(settings, tmp_path):
    path = tmp_path / "keys.json"
    path.write_text(json.dumps({"primary": "nope", "keys": {"f0": KEY_A}}))
    settings.XINYU_DATA_KEYS = ""
    settings.XINYU_DATA_KEY_FILE = str(path)
    with pytest.raises(ImproperlyConfigured, match="primary"):
        crypto.keyring()


def test_without_debug_the_platform_refuses_to_run_without_a_key(settings, tmp_path, monkeypatch):
    monkeypatch.setattr(crypto, "startup_debug", False)
    settings.XINYU_DATA_KEYS = ""
    settings.XINYU_DATA_KEY_FILE = str(tmp_path / "absent.json")
    with pytest.raises(ImproperlyConfigured, match="No data-encryption key.*generate_data_key"):
        crypto.keyring()
    assert not (tmp_path / "absent.json").exists()


def test_in_development_a_key_file_is_made_once_readable_by_the_owner_only(
    settings, tmp_path, monkeypatch, caplog
):
    monkeypatch.setattr(crypto, "startup_debug", True)
    path = tmp_path / "var" / "keys.json"
    settings.XINYU_DATA_KEYS = ""
    settings.XINYU_DATA_KEY_FILE = str(path)
    with caplog.at_level(logging.WARNING, logger="access.crypto"):
        first = crypto.keyring()
    assert "Generated a development data key" in caplog.text
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    crypto.reset_keyring()
    assert crypto.keyring().keys == first.keys  # made once: the second start reads the same key
    assert [p.name for p in path.parent.iterdir()] == ["keys.json"]  # no temporary file left behind


def test_generate_data_key_prints_a_key_line_the_ring_accepts(capsys):
    call_command("generate_data_key")
    line = capsys.readouterr().out.strip()
    ring = parse_key_list(line)
    assert ring.decrypt(ring.encrypt("ok", PLACE), PLACE) == "ok"


def test_generate_data_key_can_print_a_key_file(tmp_path, capsys):
    call_command("generate_data_key", "--json")
    path = tmp_path / "k.json"
    path.write_text(capsys.readouterr().out)
    assert crypto.load_key_file(path).primary


def test_sm4_gcm_seals_and_opens_and_refuses_a_tampered_value():
    ring = parse_key_list("gm:sm4:" + base64.b64encode(os.urandom(16)).decode())
    token = ring.encrypt("学生自述：最近睡不好", "care.case.summary")
    assert token.startswith("x1:gm:") and ring.decrypt(token, "care.case.summary") == "学生自述：最近睡不好"
    with pytest.raises(DecryptionError):
        ring.decrypt(token, "care.case.closing_note")  # out of place
    kid, blob = crypto.parse(token)
    flipped = blob[:-1] + bytes([blob[-1] ^ 1])
    with pytest.raises(DecryptionError):
        ring.decrypt(f"x1:{kid}:{base64.urlsafe_b64encode(flipped).decode()}", "care.case.summary")


def test_an_sm4_key_of_the_wrong_length_is_refused_with_a_clear_message():
    with pytest.raises(ImproperlyConfigured, match="sm4-gcm needs 16"):
        parse_key_list("gm:sm4:" + base64.b64encode(os.urandom(32)).decode())


def test_generate_data_key_makes_sm4_keys_when_asked(capsys):
    call_command("generate_data_key", "--cipher", "sm4-gcm")
    line = capsys.readouterr().out.strip()
    ring = parse_key_list(line)
    assert ":sm4:" in line and ring.cipher_of(ring.primary) == "sm4-gcm"
    assert ring.decrypt(ring.encrypt("x", "c"), "c") == "x"


def test_an_unknown_cipher_or_audit_hash_stops_the_system_checks(settings):
    from access.apps import check_algorithms

    settings.XINYU_DATA_CIPHER, settings.XINYU_AUDIT_HASH = "des", "md5"
    assert sorted(e.id for e in check_algorithms()) == ["access.E002", "access.E003"]
    settings.XINYU_DATA_CIPHER, settings.XINYU_AUDIT_HASH = "sm4-gcm", "sm3"
    assert check_algorithms() == []
