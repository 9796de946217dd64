"""The hub API as a plain HTTP client sees it, through a real `terrahub up` process."""


def test_admin_token_reaches_the_admin_user(hub):
    r = hub.api("GET", "/hub/api/user")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == "admin" and body["admin"] is True
    assert "admin" in body["scopes"]


def test_user_credentials_are_readable_by_the_user(hub):
    u = hub.make_user("pyuser")
    r = hub.api("GET", "/hub/api/users/pyuser/credentials", token=u["token"])
    assert r.status_code == 200
    assert r.json()["access_key_id"] == u["access_key_id"]
    assert hub.api("GET", "/hub/api/users", token=u["token"]).status_code == 403
