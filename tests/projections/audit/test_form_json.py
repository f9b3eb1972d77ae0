"""The inspector form's canonical JSON written around its data's text (chain.Sealer.form_json) is exactly
canonical_json of the form, for any content: sealed fields, a resident, escapes, non-ASCII, nesting."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings, strategies as st

from civicflow_verify import canonical_json
from projections.audit.chain import SEALED_FIELDS, Sealer
from projections.views.db import canonical_text

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)  # quotes, backslashes, controls, CJK, U+2028
SCALARS = st.none() | st.booleans() | st.integers() | TEXT
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
                      max_leaves=8)
NAMES = st.sampled_from(sorted(SEALED_FIELDS) + ["resident", "site_id", "minutes", "reason_code"]) | TEXT
RESIDENTS = st.dictionaries(st.sampled_from(["name", "phone", "address"]), st.none() | TEXT)
DATA = st.dictionaries(NAMES, VALUES, max_size=5) | st.builds(lambda d, r: {**d, "resident": r},
                                                             st.dictionaries(NAMES, VALUES, max_size=3), RESIDENTS)
STAMPS = st.datetimes(timezones=st.sampled_from([timezone.utc, timezone(timedelta(hours=8))]))
CONTENT = st.fixed_dictionaries({"type": TEXT, "aggregate_type": TEXT, "aggregate_id": TEXT,
                                 "version": st.integers(min_value=0), "timestamp": STAMPS,
                                 "actor": st.none() | TEXT, "data": DATA})


@settings(max_examples=300, deadline=None)
@given(CONTENT, st.binary(max_size=8))
def test_the_form_written_around_the_data_text_is_the_canonical_form(content, key) -> None:  # type: ignore[no-untyped-def]
    sealer = Sealer(key)
    assert sealer.form_json(content, canonical_text(content["data"])) == canonical_json(sealer.form(content))


def test_an_event_without_personal_fields_reuses_the_data_text_as_is() -> None:
    content = {"type": "Dispatched", "aggregate_type": "Order", "aggregate_id": "o-1", "version": 2,
               "timestamp": datetime(2026, 12, 2, tzinfo=timezone.utc), "actor": "dispatcher:d1",
               "data": {"volunteer_id": "v-1"}}
    assert b'"data":{"volunteer_id":"v-1"}' in Sealer().form_json(content, '{"volunteer_id":"v-1"}')
