from django.conf import settings


def test_the_interface_is_chinese_even_when_the_browser_asks_for_english(client, db):
    response = client.get("/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert "登录" in response.content.decode()


def test_choosing_english_with_the_language_switch_shows_english(client, db):
    client.post("/i18n/setlang/", {"language": "en", "next": "/login/"})
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    response = client.get("/login/")
    assert response["Content-Language"] == "en"
    assert "Log in to Xinyu" in response.content.decode()


def test_an_unknown_language_cookie_falls_back_to_chinese(client, db):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    assert client.get("/login/")["Content-Language"] == "zh-hans"
