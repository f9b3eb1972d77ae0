"""Console accounts: argon2id hashes, sign-in, throttling per account and address (as events, so every process
agrees), signing out and disabling."""

from __future__ import annotations

import pytest

from application.accounts import (MAX_FAILURES, THROTTLE_WINDOW, Accounts, ConsoleUser, InvalidAccountRequest,
                                  SignInRefused, SignInThrottled)
from application.errors import UnknownReference

SITE = "station-babaoshan"


@pytest.fixture
def accounts(memory_app):
    return Accounts(memory_app)


def test_a_created_account_signs_in_and_stores_only_an_argon2id_hash(app):
    book = Accounts(app)
    password, user = book.create("王调度", "dispatcher", site_id=SITE, actor="test")
    assert book.sign_in("王调度", password, "10.0.0.1").id == user.id
    assert user.password_hash.startswith("$argon2id$")
    stored = b"".join(n.state for n in app.recorder.select_notifications(1, 10_000))
    assert password.encode() not in stored


def test_a_wrong_password_or_unknown_name_is_refused_alike(accounts):
    accounts.create("李巡察", "inspector", password="correct horse battery", actor="test")
    with pytest.raises(SignInRefused):
        accounts.sign_in("李巡察", "wrong horse battery", "10.0.0.1")
    with pytest.raises(SignInRefused):
        accounts.sign_in("nobody", "correct horse battery", "10.0.0.1")


def test_five_failures_from_one_address_throttle_it_and_not_others(accounts, clock):
    accounts.create("admin", "admin", password="correct horse battery", actor="test")
    for _ in range(MAX_FAILURES):
        with pytest.raises(SignInRefused):
            accounts.sign_in("admin", "guess", "10.0.0.9")
    with pytest.raises(SignInThrottled):
        accounts.sign_in("admin", "correct horse battery", "10.0.0.9")  # even the right password
    assert accounts.sign_in("admin", "correct horse battery", "10.0.0.1")
    clock.advance(THROTTLE_WINDOW)
    assert accounts.sign_in("admin", "correct horse battery", "10.0.0.9")


def test_throttling_is_shared_by_every_process_on_the_store(app, settings, clock):
    from interfaces.bootstrap import application

    Accounts(app).create("admin", "admin", password="correct horse battery", actor="test")
    other = application(settings, clock=clock)  # another worker process's application on the same store
    try:
        for book in [Accounts(app), Accounts(other)] * 3:
            try:
                book.sign_in("admin", "guess", "10.0.0.9")
            except (SignInRefused, SignInThrottled):
                pass
        with pytest.raises(SignInThrottled):
            Accounts(other).sign_in("admin", "correct horse battery", "10.0.0.9")
    finally:
        other.close()


def test_a_success_clears_the_failures_of_that_address(accounts):
    accounts.create("admin", "admin", password="correct horse battery", actor="test")
    for _ in range(MAX_FAILURES - 1):
        with pytest.raises(SignInRefused):
            accounts.sign_in("admin", "guess", "10.0.0.9")
    accounts.sign_in("admin", "correct horse battery", "10.0.0.9")
    with pytest.raises(SignInRefused):
        accounts.sign_in("admin", "guess", "10.0.0.9")  # counted from zero again: refused, not throttled


def test_a_disabled_account_cannot_sign_in(accounts):
    accounts.create("admin", "admin", password="correct horse battery", actor="test")
    accounts.disable("admin", actor="test")
    with pytest.raises(SignInRefused):
        accounts.sign_in("admin", "correct horse battery", "10.0.0.1")
    assert [u.active for u in accounts.all()] == [False]


def test_signing_out_is_recorded(accounts, clock):
    _, user = accounts.create("admin", "admin", password="correct horse battery", actor="test")
    accounts.sign_out(user.id)
    assert accounts.current(user.id).signed_out_at == clock.now()


@pytest.mark.parametrize("name, role, site, error", [
    ("a", "volunteer", None, InvalidAccountRequest), ("a", "dispatcher", None, InvalidAccountRequest),
    ("a", "inspector", SITE, InvalidAccountRequest), ("a", "dispatcher", "nowhere", UnknownReference),
    ("  ", "admin", None, InvalidAccountRequest),
])
def test_an_account_must_fit_its_role(accounts, name, role, site, error):
    with pytest.raises(error):
        accounts.create(name, role, site_id=site, actor="test")


def test_names_are_unique_and_passwords_long_enough(accounts):
    accounts.create("Admin", "admin", actor="test")
    with pytest.raises(InvalidAccountRequest):
        accounts.create("admin", "admin", actor="test")
    with pytest.raises(InvalidAccountRequest):
        accounts.create("other", "admin", password="short", actor="test")


def test_the_actor_names_the_person(accounts):
    from application.accounts import person_of

    password, user = accounts.create("张三", "dispatcher", site_id=SITE, actor="test")
    principal = person_of(accounts.sign_in("张三", password, "10.0.0.1"))
    assert (principal.role, principal.site_id) == ("dispatcher", SITE)
    assert principal.actor.startswith(f"dispatcher:{SITE}#user:张三:")
    assert isinstance(accounts.current(user.id), ConsoleUser)


def test_a_generated_password_is_one_time_and_a_given_one_is_not(accounts):
    _, generated = accounts.create("王一", "inspector", actor="test")
    _, given = accounts.create("王二", "inspector", password="my own long password", actor="test")
    assert generated.password_change_due and not given.password_change_due


def test_changing_the_password_replaces_it_and_ends_the_one_time_state(accounts):
    password, user = accounts.create("王三", "inspector", actor="test")
    changed = accounts.change_password(user.id, password, "a password of my own")
    assert not changed.password_change_due
    with pytest.raises(SignInRefused):
        accounts.sign_in("王三", password, "10.0.0.1")
    assert accounts.sign_in("王三", "a password of my own", "10.0.0.1").id == user.id


@pytest.mark.parametrize("present, new", [("wrong present password", "a password of my own"),
                                          (None, None), (None, "too short")])
def test_a_password_change_that_does_not_fit_changes_nothing(accounts, present, new):
    password, user = accounts.create("王四", "inspector", actor="test")
    with pytest.raises(InvalidAccountRequest):
        accounts.change_password(user.id, present or password, new or password)
    assert accounts.current(user.id).password_change_due
    assert accounts.sign_in("王四", password, "10.0.0.2").id == user.id
