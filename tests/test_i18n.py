"""Every page exists in Simplified Chinese: the catalogue covers every marked string, keeps
every placeholder, and the compiled catalogue is up to date."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.conftest import csrf_token

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "mediation" / "translations" / "zh_Hans_CN" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_messages() -> set[str]:
    found = set()
    for sub, mapping in (("mediation", [("**.py", "python")]), ("templates", [("**.html", "jinja2")])):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / sub, method_map=mapping, keywords=KEYWORDS
        ):
            found.add(message if isinstance(message, str) else message[0])
    return found


def _po():
    with open(CATALOGUE / "messages.po", "rb") as handle:
        return read_po(handle, locale="zh_Hans_CN")


def test_every_marked_string_has_a_chinese_translation():
    catalogue = _po()
    translated = {}
    for m in catalogue:
        if m.id and "fuzzy" not in m.flags:
            key = m.id if isinstance(m.id, str) else m.id[0]
            text = m.string if isinstance(m.string, str) else (m.string[0] if m.string else "")
            if text:
                translated[key] = text
    missing = sorted(_source_messages() - set(translated))
    assert missing == [], f"untranslated (run scripts/i18n, then translate): {missing[:20]}"
    for source, text in translated.items():
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), source


# What `%` may introduce in a message: a named placeholder, or "%%" for a literal per cent sign.
_FORMAT = re.compile(r"%(?:\((?P<name>[^)]+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]|%)")


def test_every_translation_formats_like_its_message():
    """Jinja and gettext apply `%` to every message: a stray per cent sign in a translation
    ("各月比率（%）") raised ValueError and made the Chinese dashboard a 500."""
    bad = []
    for m in _po():
        if not m.id or not m.string or "fuzzy" in m.flags:
            continue
        msgid = m.id if isinstance(m.id, str) else m.id[0]
        msgstr = m.string if isinstance(m.string, str) else m.string[0]
        names = {x.group("name") for x in _FORMAT.finditer(msgid)} - {None}
        used = {x.group("name") for x in _FORMAT.finditer(msgstr)} - {None}
        if "%" in _FORMAT.sub("", msgstr) or not used <= names:
            bad.append((msgid, msgstr))
    assert bad == [], bad


def test_compiled_catalogue_matches_the_source():
    with open(CATALOGUE / "messages.mo", "rb") as handle:
        compiled = {m.id if isinstance(m.id, str) else m.id[0]: m.string for m in read_mo(handle) if m.id}
    for m in _po():
        if m.id and m.string and "fuzzy" not in m.flags:
            key = m.id if isinstance(m.id, str) else m.id[0]
            expected = list(m.string) if isinstance(m.string, tuple) else m.string
            assert compiled.get(key) == expected, f"stale messages.mo (run scripts/i18n compile): {key}"


def test_pages_switch_to_chinese_and_back(signed_in):
    token = csrf_token(signed_in, "/")
    signed_in.post("/language/zh_Hans_CN", data={"csrf_token": token, "next": "/cases/"})
    for path in ("/", "/cases/", "/roster/", "/conflicts/", "/centres/", "/imports/", "/planning/"):
        html = signed_in.get(path).get_data(as_text=True)
        assert 'lang="zh-CN"' in html and "案件" in html and "退出登录" in html, path
    signed_in.post("/language/en", data={"csrf_token": csrf_token(signed_in, "/"), "next": "/"})
    html = signed_in.get("/cases/").get_data(as_text=True)
    assert 'lang="en"' in html and "Sign out" in html
