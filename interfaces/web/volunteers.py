"""/api/v1/volunteers and /api/v1/teams: registration, availability, skills, suspension, team membership."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from flask import g
from flask.views import MethodView

from domain.team import Team
from domain.volunteer import Volunteer
from interfaces.web import schemas_in as s
from interfaces.web.blueprints import api_blueprint
from interfaces.web.commands import answer, etag, if_match, run
from interfaces.web.context import civicflow, cursors, policy, read_model
from interfaces.web.schemas_out import TeamOut, VolunteerOut, VolunteerPage
from projections import presenting

blp = api_blueprint("volunteers", "/volunteers", "Volunteers: registration, availability, skills, suspension")
teams = api_blueprint("teams", "/teams", "Volunteer teams (志愿队伍): orders dispatched to a team are grabbed by members")


def visible_volunteer(volunteer_id: UUID) -> Volunteer:
    return policy().require_volunteer(g.principal, civicflow().load(Volunteer, volunteer_id))


@blp.route("")
class Volunteers(MethodView):
    @blp.roles("dispatcher", "inspector")
    @blp.arguments(s.VolunteerQuery, location="query")
    @blp.response(200, VolunteerPage)
    def get(self, query: dict[str, Any]) -> Any:
        """List volunteers (a dispatcher sees those whose home site is in its jurisdiction)."""
        site = query.pop("site_id", None)
        sites = [site] if site else None
        if g.principal.role == "dispatcher":
            if site is not None and not policy().within(site, g.principal):
                if "cursor" in query:  # nothing it may see matches, but a forged cursor is refused all the same
                    cursors().check(query["cursor"])
                return {"items": [], "next_cursor": None}
            sites = sites or civicflow().sites.subtree(g.principal.site_id)
        rows, cursor = read_model().volunteers(site_ids=sites, **query)
        return {"items": rows, "next_cursor": cursor}

    @blp.roles("dispatcher", "admin")
    @blp.arguments(s.RegisterVolunteer)
    @blp.response(201, VolunteerOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Register a volunteer (one per phone number)."""
        policy().require_site_in_jurisdiction(g.principal, "home_site_id", body["home_site_id"])
        result = run(civicflow().register_volunteer, body["name"], body["phone"], body["home_site_id"],
                     body["skills"], **({"capacity": body["capacity"]} if "capacity" in body else {}))
        return answer(Volunteer, result, presenting.volunteer, location=f"/api/v1/volunteers/{result.id}")


@blp.route("/<uuid:volunteer_id>")
class VolunteerById(MethodView):
    @blp.roles("dispatcher", "volunteer", "inspector")
    @blp.response(200, VolunteerOut)
    def get(self, volunteer_id: UUID) -> Any:
        """A volunteer's profile, load, minutes, rating and stars."""
        volunteer = visible_volunteer(volunteer_id)
        return presenting.volunteer(volunteer), 200, {"ETag": etag(volunteer.version)}


@blp.route("/<uuid:volunteer_id>/availability")
class Availability(MethodView):
    @blp.roles("volunteer", "dispatcher")
    @blp.arguments(s.Availability)
    @blp.response(200, VolunteerOut)
    def post(self, body: dict[str, Any], volunteer_id: UUID) -> Any:
        """The volunteer (or a dispatcher) marks them available or not."""
        visible_volunteer(volunteer_id)
        result = run(civicflow().set_availability, volunteer_id, body["available"], expected_version=if_match())
        return answer(Volunteer, result, presenting.volunteer)


@blp.route("/<uuid:volunteer_id>/skills")
class Skills(MethodView):
    @blp.roles("dispatcher")
    @blp.arguments(s.ChangeSkills)
    @blp.response(200, VolunteerOut)
    def post(self, body: dict[str, Any], volunteer_id: UUID) -> Any:
        """Replace the volunteer's skills (service category codes)."""
        visible_volunteer(volunteer_id)
        result = run(civicflow().change_skills, volunteer_id, body["skills"], expected_version=if_match())
        return answer(Volunteer, result, presenting.volunteer)


@blp.route("/<uuid:volunteer_id>/suspend")
class Suspend(MethodView):
    @blp.roles("dispatcher")
    @blp.arguments(s.Reason)
    @blp.response(200, VolunteerOut)
    def post(self, body: dict[str, Any], volunteer_id: UUID) -> Any:
        """Suspend a volunteer: they cannot accept orders until reinstated."""
        visible_volunteer(volunteer_id)
        result = run(civicflow().suspend_volunteer, volunteer_id, body["reason"], expected_version=if_match())
        return answer(Volunteer, result, presenting.volunteer)


@blp.route("/<uuid:volunteer_id>/reinstate")
class Reinstate(MethodView):
    @blp.roles("dispatcher")
    @blp.arguments(s.Reason)
    @blp.response(200, VolunteerOut)
    def post(self, body: dict[str, Any], volunteer_id: UUID) -> Any:
        """Lift a suspension."""
        visible_volunteer(volunteer_id)
        result = run(civicflow().reinstate_volunteer, volunteer_id, body["reason"], expected_version=if_match())
        return answer(Volunteer, result, presenting.volunteer)


def visible_team(team_id: UUID) -> Team:
    return policy().require_team(g.principal, civicflow().load(Team, team_id))


@teams.route("")
class Teams(MethodView):
    @teams.roles("dispatcher")
    @teams.arguments(s.CreateTeam)
    @teams.response(201, TeamOut)
    def post(self, body: dict[str, Any]) -> Any:
        """Create a team at a site, optionally with its leader as first member (a volunteer the caller may see:
        any other answers 404, like one that does not exist)."""
        policy().require_site_in_jurisdiction(g.principal, "site_id", body["site_id"])
        if body.get("leader_id") is not None:
            visible_volunteer(body["leader_id"])
        result = run(civicflow().create_team, body["name"], body["site_id"], body.get("leader_id"))
        return answer(Team, result, presenting.team, location=f"/api/v1/teams/{result.id}")


@teams.route("/<uuid:team_id>")
class TeamById(MethodView):
    @teams.roles("dispatcher", "volunteer", "inspector")
    @teams.response(200, TeamOut)
    def get(self, team_id: UUID) -> Any:
        """A team and its members (visible to dispatchers in jurisdiction, its members and inspectors)."""
        team = visible_team(team_id)
        return presenting.team(team), 200, {"ETag": etag(team.version)}


@teams.route("/<uuid:team_id>/members")
class TeamMembers(MethodView):
    @teams.roles("dispatcher")
    @teams.arguments(s.AddMember)
    @teams.response(200, TeamOut)
    def post(self, body: dict[str, Any], team_id: UUID) -> Any:
        """Add a volunteer to the team (one the caller may see: any other answers 404, like one that does not
        exist)."""
        visible_team(team_id)
        visible_volunteer(body["volunteer_id"])
        result = run(civicflow().add_team_member, team_id, body["volunteer_id"], expected_version=if_match())
        return answer(Team, result, presenting.team)
