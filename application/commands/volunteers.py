"""Commands on volunteers and teams."""

from __future__ import annotations

from uuid import UUID, uuid4

from application.base import CivicFlowBase
from application.errors import AlreadyExists
from application.idempotency import command
from domain.team import Team
from domain.volunteer import DEFAULT_CAPACITY, Volunteer


class VolunteerCommands(CivicFlowBase):
    @command
    def register_volunteer(self, name: str, phone: str, home_site_id: str, skills: list[str],
                           capacity: int = DEFAULT_CAPACITY, *, actor: str) -> list[Volunteer]:
        self.require_site("home_site_id", home_site_id)
        for code in skills:
            self.require_category("skills", code)
        volunteer = Volunteer.register(name, phone, home_site_id, skills, capacity, actor=actor, at=self.clock.now())
        if self.find(Volunteer, volunteer.id) is not None:
            raise AlreadyExists("a volunteer with this phone number is already registered")
        return [volunteer]

    @command
    def set_availability(self, volunteer_id: UUID, available: bool, *, actor: str,
                         expected_version: int | None = None) -> list[Volunteer]:
        volunteer = self.load(Volunteer, volunteer_id, expected_version)
        volunteer.set_availability(available, actor=actor, at=self.clock.now())
        return [volunteer]

    @command
    def change_skills(self, volunteer_id: UUID, skills: list[str], *, actor: str,
                      expected_version: int | None = None) -> list[Volunteer]:
        for code in skills:
            self.require_category("skills", code)
        volunteer = self.load(Volunteer, volunteer_id, expected_version)
        volunteer.change_skills(skills, actor=actor, at=self.clock.now())
        return [volunteer]

    @command
    def suspend_volunteer(self, volunteer_id: UUID, reason: str, *, actor: str,
                          expected_version: int | None = None) -> list[Volunteer]:
        volunteer = self.load(Volunteer, volunteer_id, expected_version)
        volunteer.suspend(reason, actor=actor, at=self.clock.now())
        return [volunteer]

    @command
    def reinstate_volunteer(self, volunteer_id: UUID, reason: str, *, actor: str,
                            expected_version: int | None = None) -> list[Volunteer]:
        volunteer = self.load(Volunteer, volunteer_id, expected_version)
        volunteer.reinstate(reason, actor=actor, at=self.clock.now())
        return [volunteer]

    @command
    def correct_service(self, volunteer_id: UUID, order_id: UUID, minutes: int, reason: str, *, actor: str,
                        expected_version: int | None = None) -> list[Volunteer]:
        """Correct the minutes credited for one order (an admin's correction; certificates counting it are then
        reported revoked)."""
        volunteer = self.load(Volunteer, volunteer_id, expected_version)
        volunteer.correct_service(order_id, minutes, reason, actor=actor, at=self.clock.now())
        return [volunteer]

    @command
    def create_team(self, name: str, site_id: str, leader_id: UUID | None = None, *, actor: str
                    ) -> list[Team | Volunteer]:
        self.require_site("site_id", site_id)
        at = self.clock.now()
        team = Team.create(uuid4(), name, site_id, leader_id, actor=actor, at=at)
        if leader_id is None:
            return [team]
        leader = self.referenced(Volunteer, "leader_id", leader_id)
        return [team, *self._join(team, leader, actor, at)]

    @command
    def add_team_member(self, team_id: UUID, volunteer_id: UUID, *, actor: str,
                        expected_version: int | None = None) -> list[Team | Volunteer]:
        team = self.load(Team, team_id, expected_version)
        volunteer = self.referenced(Volunteer, "volunteer_id", volunteer_id)
        return [team, *self._join(team, volunteer, actor, self.clock.now())]

    @staticmethod
    def _join(team: Team, volunteer: Volunteer, actor: str, at) -> list[Volunteer]:  # type: ignore[no-untyped-def]
        team.add_member(volunteer.id, actor=actor, at=at)
        volunteer.join_team(team.id, actor=actor, at=at)
        return [volunteer]
