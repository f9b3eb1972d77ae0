"""Console sessions: sign-in, the cookie's flags, idle and absolute timeouts by the application clock, sign-out,
disabled accounts, and the role check."""

from __future__ import annotations

from datetime import timedelta

from tests.interfaces.web.console.conftest import csrf_token, sign_in


def test_a_page_without_a_session_sends_to_sign_in_with_next(client):
    response = client.get("/console/queue?status=placed")
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/sign-in?next=/console/queue?status%3Dplaced"


def test_signing_in_opens_the_page_asked_for(client, person):
    dispatcher = person("dispatcher")
    token = csrf_token(client, "/console/sign-in?next=/console/roster")
    response = client.post("/console/sign-in", data={"name": dispatcher.name, "password": dispatcher.password,
                                                     "csrf_token": token, "next": "/console/roster"})
    assert response.status_code == 302 and response.headers["Location"] == "/console/roster"
    assert client.get("/console/roster").status_code == 200


def test_next_never_leads_outside_the_console(client, person):
    dispatcher = person("dispatcher")
    token = csrf_token(client)
    response = client.post("/console/sign-in", data={"name": dispatcher.name, "password": dispatcher.password,
                                                     "csrf_token": token, "next": "//evil.example/x"})
    assert response.headers["Location"] == "/console/"


def test_the_session_cookie_is_httponly_lax_and_scoped_to_the_console(client, person):
    response = sign_in(client, person("dispatcher"))
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie


def test_the_session_cookie_is_secure_over_tls(web, person):
    client = web.test_client()
    who = person("dispatcher")
    token = csrf_token(client)
    response = client.post("/console/sign-in", base_url="https://localhost", headers={"Referer": "https://localhost/"},
                           data={"name": who.name, "password": who.password, "csrf_token": token})
    assert "Secure" in response.headers["Set-Cookie"]


def test_a_wrong_password_is_refused_on_the_page(client, person):
    who = person("dispatcher")
    token = csrf_token(client)
    response = client.post("/console/sign-in", data={"name": who.name, "password": "wrong password!",
                                                     "csrf_token": token})
    assert response.status_code == 401
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert client.get("/console/queue").status_code == 302


def attempt(client, who, password, address):
    token = csrf_token(client)
    return client.post("/console/sign-in", data={"name": who.name, "password": password, "csrf_token": token},
                       environ_base={"REMOTE_ADDR": address})


def test_sign_in_is_throttled_after_five_failures_from_one_address(web, person, clock):
    who, client = person("dispatcher"), web.test_client()
    for _ in range(5):
        assert attempt(client, who, "wrong password!", "10.0.0.7").status_code == 401
    refused = attempt(client, who, who.password, "10.0.0.7")  # even the right password, for now
    assert refused.status_code == 429 and "登录失败次数过多" in refused.get_data(as_text=True)
    assert client.get("/console/queue").status_code == 302
    assert attempt(web.test_client(), who, who.password, "10.0.0.8").status_code == 302  # another address
    clock.advance(timedelta(minutes=16))
    assert attempt(client, who, who.password, "10.0.0.7").status_code == 302


def test_an_idle_session_ends_after_30_minutes(console_as, clock):
    client = console_as("dispatcher")
    clock.advance(timedelta(minutes=29))
    assert client.get("/console/queue").status_code == 200
    clock.advance(timedelta(minutes=29))  # 29 minutes after the last request: still alive
    assert client.get("/console/queue").status_code == 200
    clock.advance(timedelta(minutes=31))
    assert client.get("/console/queue").headers["Location"].startswith("/console/sign-in")


def test_a_busy_session_still_ends_after_12_hours(console_as, clock):
    client = console_as("dispatcher")
    for _ in range(24):  # 24 × 29 min = 11 h 36 min
        clock.advance(timedelta(minutes=29))
        assert client.get("/console/queue").status_code == 200
    clock.advance(timedelta(minutes=29))  # 25 × 29 min > 12 h since signing in
    assert client.get("/console/queue").status_code == 302


def test_signing_out_ends_every_copy_of_the_session(web, console_as):
    client = console_as("dispatcher")
    stolen = web.test_client()
    stolen.set_cookie("civicflow_console", client.get_cookie("civicflow_console", path="/console").value,
                      path="/console")
    assert stolen.get("/console/queue").status_code == 200
    token = csrf_token(client, "/console/queue")
    assert client.post("/console/sign-out", data={"csrf_token": token}).status_code == 302
    assert client.get("/console/queue").status_code == 302
    assert stolen.get("/console/queue").status_code == 302


def test_a_disabled_account_loses_its_session(console_as, accounts):
    client = console_as("dispatcher", name="李调度")
    accounts.disable("李调度", actor="test:admin")
    assert client.get("/console/queue").status_code == 302


def test_a_role_the_page_is_not_for_gets_the_404_page(console_as):
    response = console_as("inspector").get("/console/queue")
    assert response.status_code == 404 and response.mimetype == "text/html"


def test_an_htmx_request_without_a_session_is_told_to_navigate(client):
    response = client.get("/console/queue", headers={"HX-Request": "true"})
    assert response.status_code == 204 and response.headers["HX-Redirect"].startswith("/console/sign-in")


def test_a_one_time_password_must_be_replaced_before_any_page(web, accounts):
    password, _ = accounts.create("新调度", "dispatcher", site_id="station-babaoshan", actor="test:setup")
    client = web.test_client()
    token = csrf_token(client)
    signed_in = client.post("/console/sign-in", data={"name": "新调度", "password": password, "csrf_token": token,
                                                      "next": "/console/roster"})
    assert signed_in.headers["Location"] == "/console/password?next=/console/roster"
    assert client.get("/console/queue").headers["Location"] == "/console/password?next=/console/queue"
    form = {"csrf_token": csrf_token(client, "/console/password"), "current": password, "next": "/console/roster"}
    mismatch = client.post("/console/password", data={**form, "new": "my own password 1", "repeat": "other one!!!"})
    assert mismatch.status_code == 422 and "两次输入的新密码不一致" in mismatch.get_data(as_text=True)
    changed = client.post("/console/password", data={**form, "new": "my own password 1", "repeat": "my own password 1"})
    assert changed.headers["Location"] == "/console/roster"
    assert client.get("/console/queue").status_code == 200


def test_a_wrong_present_password_is_shown_on_the_page_and_changes_nothing(console_as):
    client = console_as("dispatcher")
    form = {"csrf_token": csrf_token(client, "/console/password"), "current": "not my password",
            "new": "my own password 2", "repeat": "my own password 2"}
    refused = client.post("/console/password", data=form)
    assert refused.status_code == 422 and "the present password is wrong" in refused.get_data(as_text=True)


def test_the_password_page_needs_a_session(client):
    assert client.get("/console/password").headers["Location"].startswith("/console/sign-in")
