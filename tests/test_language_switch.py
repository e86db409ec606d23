"""With English offered, every app page speaks the reader's language, and the navbar switch changes it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

BOTH = [("vi", "Tiếng Việt"), ("en", "English")]
ENGLISH = {"Accept-Language": "en-US,en;q=0.9"}
VIETNAMESE = {"Accept-Language": "vi"}


@pytest.fixture
def bilingual(settings):
    settings.LANGUAGES = BOTH


def _pages(assessment):
    """(who, address, a text of the English page, the same text on the Vietnamese page)."""
    return [
        (None, reverse("login"), "Forgot your password?", "Quên mật khẩu?"),
        ("officer", reverse("home"), "Enter figures", "Nhập số liệu"),
        ("officer", reverse("assessment", args=[assessment.pk]), "Download the Excel template", "Tải mẫu Excel"),
        ("officer", reverse("history", args=[assessment.pk]), "No changes yet.", "Chưa có thay đổi nào."),
        ("reviewer", reverse("queue"), "Overdue, not submitted", "Quá hạn chưa nộp"),
        ("reviewer", reverse("review", args=[assessment.pk]), "Export PDF dossier", "Xuất hồ sơ PDF"),
        ("leader", reverse("leadership"), "Distribution by number of criteria met", "Phân bố theo số tiêu chí đạt"),
    ]


def _get(client, people, who, address, headers):
    client.logout()
    if who:
        client.force_login(people[who])
    response = client.get(address, headers=headers)
    assert response.status_code == 200, address
    return response.content.decode()


def test_every_app_page_is_english_for_an_english_reader(bilingual, client, people, assessment):
    for who, address, english, vietnamese in _pages(assessment):
        page = _get(client, people, who, address, ENGLISH)
        assert english in page and vietnamese not in page, address
        assert '<html lang="en">' in page
        if who:
            assert "Log out" in page and "Đăng xuất" not in page and "Trang chủ" not in page


def test_every_app_page_is_vietnamese_for_a_vietnamese_reader(bilingual, client, people, assessment):
    for who, address, english, vietnamese in _pages(assessment):
        page = _get(client, people, who, address, VIETNAMESE)
        assert vietnamese in page and english not in page, address
        assert '<html lang="vi">' in page


def test_the_navbar_switch_changes_the_language_without_a_script(bilingual, client, people):
    client.force_login(people["officer"])
    page = client.get(reverse("home"), headers=VIETNAMESE).content.decode()
    switch = page[page.index('id="language-switch"') : page.index("</form>", page.index('id="language-switch"'))]
    assert 'action="/i18n/setlang/"' in page and 'value="en"' in switch and "English" in switch
    assert "<script" not in switch and " on" not in switch.replace(" one", "")

    response = client.post(reverse("set_language"), {"language": "en", "next": reverse("home")})
    assert response.status_code == 302 and response.url == reverse("home")
    page = client.get(reverse("home"), headers=VIETNAMESE).content.decode()
    assert "Log out" in page and "Đăng xuất" not in page


def test_the_switch_is_hidden_while_only_vietnamese_is_offered(client, people):
    client.force_login(people["officer"])
    page = client.get(reverse("home"), headers=ENGLISH).content.decode()
    assert 'id="language-switch"' not in page and "Đăng xuất" in page
