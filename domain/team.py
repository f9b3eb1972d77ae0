"""The Team aggregate: a volunteer team bound to a site; orders dispatched to it are grabbed by members."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.base import CivicAggregate, DomainError


class AlreadyMember(DomainError):
    def __init__(self) -> None:
        super().__init__("the volunteer is already a member of the team")


class Team(CivicAggregate):
    class Created(CivicAggregate.Created):
        name: str
        site_id: str
        leader_id: UUID | None

    def __init__(self, name: str, site_id: str, leader_id: UUID | None, actor: str):
        self.name = name
        self.site_id = site_id
        self.leader_id = leader_id
        self.member_ids: list[UUID] = []

    @classmethod
    def create(cls, team_id: UUID, name: str, site_id: str, leader_id: UUID | None = None,
               *, actor: str, at: datetime) -> Team:
        return cls._create(cls.Created, id=team_id, name=name, site_id=site_id, leader_id=leader_id,
                           actor=actor, timestamp=at)

    def has_member(self, volunteer_id: UUID) -> bool:
        return volunteer_id in self.member_ids

    class MemberAdded(CivicAggregate.Event):
        volunteer_id: UUID

        def apply(self, team: Team) -> None:
            team.member_ids.append(self.volunteer_id)

    def add_member(self, volunteer_id: UUID, *, actor: str, at: datetime) -> None:
        if self.has_member(volunteer_id):
            raise AlreadyMember()
        self._record(self.MemberAdded, volunteer_id=volunteer_id, actor=actor, at=at)
