"""The page shell in a real browser: sign in, find the areas, switch the language, sign out."""

from tests.conftest import browser_sign_in


def test_sign_in_navigate_and_switch_language(page, make_user):
    user, password = make_user("coordinator", name="Chen Jing")
    page.goto("/cases/")
    assert "/login" in page.url  # sign-in first
    browser_sign_in(page, user.email, password)
    assert page.url.endswith("/cases/")
    for area in ("Cases", "Roster", "Centres", "Planning"):
        page.get_by_role("link", name=area, exact=True).first.click()
        assert page.locator("h1").first.inner_text() == area
    page.get_by_role("button", name="简体中文").click()
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.get_by_role("link", name="案件", exact=True).count() == 1
    assert page.get_by_role("button", name="退出登录").count() == 1
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login")


def test_wrong_password_shows_a_message(page, make_user):
    user, _ = make_user()
    page.goto("/login")
    page.fill("#email", user.email)
    page.fill("#password", "definitely wrong")
    page.click("main form button[type=submit]")
    assert page.get_by_role("status").inner_text() == "Wrong email or password."
