"""The person page's section hook (signals.person_page_sections): roster shows what higher
features return, in order, without importing them."""

from __future__ import annotations

from markupsafe import Markup

from mediation import signals
from tests import factories


def test_subscribers_add_sections_to_the_person_page(db, signed_in):
    person = factories.person(name="Hook Person")
    db.session.commit()
    seen = []

    def extra(sender, **_):
        seen.append(sender.id)
        return Markup('<section id="extra-section">Extra</section>')

    def nothing(sender, **_):
        return None

    signals.person_page_sections.connect(extra)
    signals.person_page_sections.connect(nothing)
    try:
        html = signed_in.get(f"/roster/{person.id}").get_data(as_text=True)
    finally:
        signals.person_page_sections.disconnect(extra)
        signals.person_page_sections.disconnect(nothing)
    assert seen == [person.id]
    assert '<section id="extra-section">Extra</section>' in html
    assert '<section id="hearings">' in html  # the hearings feature's own section
    assert "No hearings yet." in html
