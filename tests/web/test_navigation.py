"""The menu of areas and each area's sub-navigation, for each role (no browser needed: `menus` is pure)."""

from __future__ import annotations

from app.core.vocabulary import ROLE_SCOPES, Role
from app.web import PAGES
from app.web.deps import menus, navigation


def for_role(role: Role, path: str):
    scopes = ROLE_SCOPES[role]
    return menus((i for i in navigation(PAGES) if i.scope is None or i.scope in scopes), path)


def texts(entries) -> list[str]:
    return [entry["text"] for entry in entries]


def test_the_menu_has_one_entry_per_area_for_an_administrator():
    shown = for_role(Role.ADMIN, "/")
    assert texts(shown.menu) == [
        "Dashboard",
        "Threat level",
        "Prevent",
        "Protect",
        "Prepare",
        "Community tensions",
        "Governance",
        "Admin",
    ]
    assert shown.sub == []  # the dashboard is an area of one page


def test_an_areas_pages_are_its_sub_navigation_with_the_page_you_are_on_marked():
    shown = for_role(Role.OFFICER, "/prepare/risks/0193c6a0-0000-7000-8000-000000000000")
    assert [e["text"] for e in shown.menu if e["active"]] == ["Prepare"]
    assert shown.area == "Prepare"
    assert texts(shown.sub) == ["Contingency plans", "Risk register", "Exercises", "Public warnings"]
    assert [e["text"] for e in shown.sub if e["active"]] == ["Risk register"]


def test_a_page_of_an_area_that_no_link_names_still_belongs_to_its_area():
    shown = for_role(Role.OFFICER, "/tensions/reports/0193c6a0-0000-7000-8000-000000000000")
    assert [e["text"] for e in shown.menu if e["active"]] == ["Community tensions"]
    assert not any(e["active"] for e in shown.sub)  # "/tensions/report" is not a prefix of ".../reports/..."


def test_when_the_area_itself_is_hidden_its_first_visible_page_heads_it():
    member = for_role(Role.MEMBER, "/tensions/mine")
    assert "Report a tension" in texts(member.menu) and "Community tensions" not in texts(member.menu)
    assert texts(member.sub) == ["Report a tension", "Your reports", "Messages for members"]
    officer = for_role(Role.OFFICER, "/admin/audit")
    assert texts(officer.menu)[-1] == "Audit log" and officer.sub == []  # an officer's only admin page


def test_signed_out_there_is_no_menu():
    assert menus([], "/").menu == []
