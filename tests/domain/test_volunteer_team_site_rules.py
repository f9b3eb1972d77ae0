"""Rules of the Volunteer, Team and Site aggregates."""

import pytest

from domain.base import InvalidTransition
from domain.site import InvalidSite, Site, site_uuid
from domain.team import AlreadyMember
from domain.volunteer import AlreadyTeamMember, InvalidVolunteer, Volunteer, stars_for_minutes, volunteer_id_for_phone
from tests.domain.builders import T0, at, team, volunteer


def test_a_volunteers_id_derives_from_the_phone_number():
    assert volunteer(phone=" 13800000001 ").id == volunteer_id_for_phone("13800000001")


def test_a_volunteer_needs_at_least_one_skill():
    with pytest.raises(InvalidVolunteer):
        Volunteer.register("Li", "138", "post-babaoshan-01", [], actor="d", at=T0)


def test_a_volunteers_capacity_is_at_least_one():
    with pytest.raises(InvalidVolunteer):
        Volunteer.register("Li", "138", "post-babaoshan-01", ["haircut"], 0, actor="d", at=T0)


def test_skill_changes_replace_the_skills_and_need_one():
    worker = volunteer()
    worker.change_skills(["legal-aid", "haircut", "legal-aid"], actor="d", at=at(1))
    assert worker.skills == ["haircut", "legal-aid"]
    with pytest.raises(InvalidVolunteer):
        worker.change_skills([], actor="d", at=at(2))


def test_suspension_and_reinstatement_alternate():
    worker = volunteer()
    worker.suspend("complaint", actor="d", at=at(1))
    with pytest.raises(InvalidTransition):
        worker.suspend("again", actor="d", at=at(2))
    worker.reinstate("cleared", actor="d", at=at(3))
    with pytest.raises(InvalidTransition):
        worker.reinstate("again", actor="d", at=at(4))
    assert not worker.suspended


def test_a_volunteer_joins_a_team_once():
    worker = volunteer()
    crew = team(worker)
    assert worker.team_ids == [crew.id] and crew.member_ids == [worker.id]
    with pytest.raises(AlreadyTeamMember):
        worker.join_team(crew.id, actor="d", at=at(1))
    with pytest.raises(AlreadyMember):
        crew.add_member(worker.id, actor="d", at=at(1))


@pytest.mark.parametrize("hours, stars", [(0, 0), (99.9, 0), (100, 1), (200, 2), (500, 3), (800, 4), (1000, 5),
                                          (5000, 5)])
def test_stars_come_at_100_200_500_800_and_1000_hours(hours, stars):
    assert stars_for_minutes(int(hours * 60)) == stars


def test_a_site_has_a_known_level():
    with pytest.raises(InvalidSite):
        Site.register("x", "X", "X", "province", "center", 0.0, 0.0, actor="a", at=T0)


def test_only_the_center_has_no_parent():
    with pytest.raises(InvalidSite):
        Site.register("post-x", "X", "X", "post", None, 0.0, 0.0, actor="a", at=T0)
    with pytest.raises(InvalidSite):
        Site.register("center", "C", "C", "center", "center", 0.0, 0.0, actor="a", at=T0)
    assert Site.register("center", "C", "C", "center", None, 0.0, 0.0, actor="a", at=T0).id == site_uuid("center")
