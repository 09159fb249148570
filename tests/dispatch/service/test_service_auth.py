"""Tokens come from a TOML or JSON file (named directly or by ONEHOUR_TOKENS)."""

import hashlib

import pytest
from pydantic import ValidationError

from dispatch.service.auth import TOKENS_ENV, Principal, Role, Tokens

TOKENS_TOML = """
[[tokens]]
token = "a-dispatcher-token-long-enough"
role = "dispatcher"

[[tokens]]
token = "sha256:{digest}"
role = "courier"
courier_id = "c7"
"""


def test_a_toml_file_gives_dispatchers_and_couriers_also_by_hashed_token(tmp_path):
    secret = "the-courier-secret-token"
    digest = hashlib.sha256(secret.encode()).hexdigest()
    path = tmp_path / "tokens.toml"
    path.write_text(TOKENS_TOML.format(digest=digest), encoding="utf-8")

    tokens = Tokens.from_file(path)

    assert tokens.authenticate("a-dispatcher-token-long-enough") == Principal(
        role=Role.DISPATCHER
    )
    courier = tokens.authenticate(secret)
    assert courier == Principal(role=Role.COURIER, courier_id="c7")
    assert courier.may_act_for("c7") and not courier.may_act_for("c8")
    assert tokens.authenticate(f"sha256:{digest}") is None
    assert tokens.authenticate("a-dispatcher-token-long-enougX") is None


def test_the_environment_names_the_tokens_file(tmp_path, monkeypatch):
    path = tmp_path / "tokens.json"
    path.write_text(
        '{"tokens": [{"token": "json-dispatcher-token", "role": "dispatcher"}]}',
        encoding="utf-8",
    )
    monkeypatch.setenv(TOKENS_ENV, str(path))
    tokens = Tokens.from_env()
    assert tokens is not None
    assert tokens.authenticate("json-dispatcher-token").role is Role.DISPATCHER
    monkeypatch.delenv(TOKENS_ENV)
    assert Tokens.from_env() is None


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({"token": "courier-token-without-id", "role": "courier"}, "courier_id"),
        ({"token": "short", "role": "dispatcher"}, "at least 16"),
        ({"token": "a-token-with-a-bad-role", "role": "admin"}, "role"),
    ],
    ids=["courier-without-id", "short-token", "unknown-role"],
)
def test_a_bad_token_entry_is_refused_naming_the_problem(entry, complaint):
    with pytest.raises(ValidationError, match=complaint):
        Tokens.model_validate({"tokens": [entry]})


def test_a_tokens_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "tokens.yaml"
    path.write_text("tokens: []", encoding="utf-8")
    with pytest.raises(ValueError, match=r"\.toml or \.json"):
        Tokens.from_file(path)
