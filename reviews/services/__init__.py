"""Every write of the review engine: the pool, forms and rules, a review from its creation to its
decision. Each function takes its actor, runs in one transaction and leaves one audit event; the
decision is applied to the subject through the subject's own service.

The services live in the modules of this package by the part of the engine they write
(`experts_and_forms`, `reviews_and_panels`, `scoring_and_decision`; `common` holds what they share).
The public ones are re-exported here so that callers keep writing `from reviews import services` or
`from reviews.services import review_create` without knowing which module holds a function.
"""

from reviews.services.common import ExpertActor, is_the_expert
from reviews.services.experts_and_forms import (
    EXPERT_FIELDS,
    RULE_FIELDS,
    expert_save,
    form_create,
    kind_rules_save,
    relation_record,
)
from reviews.services.reviews_and_panels import (
    member_add,
    member_decline,
    member_remove,
    member_replace,
    panel_draw,
    problems,
    review_create,
    review_open,
)
from reviews.services.scoring_and_decision import review_close, review_decide, scores_submit

__all__ = [
    "EXPERT_FIELDS",
    "RULE_FIELDS",
    "ExpertActor",
    "expert_save",
    "form_create",
    "is_the_expert",
    "kind_rules_save",
    "member_add",
    "member_decline",
    "member_remove",
    "member_replace",
    "panel_draw",
    "problems",
    "relation_record",
    "review_close",
    "review_create",
    "review_decide",
    "review_open",
    "scores_submit",
]
