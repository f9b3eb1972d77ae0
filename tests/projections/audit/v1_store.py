"""A store whose audit tables are format v1, as every installation before audit v2 has them: the v1 audit_log
(no content hash; the v1 envelope chain) and v1 checkpoints signed over {position, head, count, at}."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, Integer, MetaData, String, Table, Text, update

from projections import ReadModel
from projections.audit import chain_v1
from projections.audit.log import audit_content
from projections.audit.signing import Signer
from projections.views.db import UTCDateTime
from projections.views.paging import notifications


def v1_tables() -> tuple[Table, Table]:
    md = MetaData()
    log = Table("audit_log", md, Column("position", BigInteger, primary_key=True, autoincrement=False),
                Column("seq", BigInteger, nullable=False), Column("aggregate_id", String(64), nullable=False),
                Column("aggregate_type", String(64), nullable=False), Column("version", Integer, nullable=False),
                Column("type", String(64), nullable=False), Column("topic", Text, nullable=False),
                Column("timestamp", UTCDateTime, nullable=False), Column("actor", Text),
                Column("data", JSON, nullable=False), Column("state_sha256", String(64), nullable=False),
                Column("hash", String(64), nullable=False), Column("prev_hash", String(64), nullable=False))
    marks = Table("audit_checkpoints", md, Column("position", BigInteger, primary_key=True, autoincrement=False),
                  Column("head", String(64), nullable=False), Column("count", BigInteger, nullable=False),
                  Column("at", UTCDateTime, nullable=False), Column("signature", String(128), nullable=False))
    return log, marks


def make_v1(model: ReadModel, signer: Signer, at: datetime, every: int = 50) -> int:
    """Replace the model's v2 audit tables by v1 ones over the same events; returns the v1 checkpoints signed."""
    log, marks = v1_tables()
    model.tables.metadata.drop_all(model.engine, tables=[model.tables.audit_log, model.tables.checkpoints])
    log.metadata.create_all(model.engine)
    head, rows, signed = chain_v1.GENESIS, [], []
    for seq, n in enumerate(notifications(model.recorder), start=1):
        env, leaf = chain_v1.notification_leaf(n)
        previous, head = head, chain_v1.next_head(head, leaf)
        content = audit_content(n.originator_id, n.originator_version, n.topic, model.mapper.to_domain_event(n))
        rows.append({"position": n.id, "seq": seq, **content, "state_sha256": env["state_sha256"],
                     "hash": head.hex(), "prev_hash": previous.hex()})
        if seq % every == 0:
            mark = {"position": n.id, "head": head.hex(), "count": seq, "at": at}
            signed.append({**mark, "signature": signer.sign({**mark, "at": at.isoformat()})})
    with model.engine.begin() as conn:
        conn.execute(log.insert(), rows)
        conn.execute(marks.insert(), signed)
        conn.execute(update(model.tables.positions).where(model.tables.positions.c.name == "audit_log")
                     .values(position=rows[-1]["position"]))
    return len(signed)
