"""What the dashboard page shows, gathered for its template: the learner table as the posted view
asks (sorted and filtered), the class's results per skill, and each decision's options with
their chart and the labels that tell variants apart."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lti_tool.i18n import case_text
from lti_tool.instructor import stats
from lti_tool.instructor.chart import Chart
from lti_tool.instructor.chart import Variant
from lti_tool.instructor.chart import option_chart
from lti_tool.instructor.chart import variants
from lti_tool.instructor.class_results import class_results
from lti_tool.instructor.class_results import graded
from lti_tool.instructor.class_results import mark_passed
from lti_tool.instructor.learner_table import TableView
from lti_tool.instructor.roster import Member
from lti_tool.learner.models import Attempt
from lti_tool.learner.policy import AttemptPolicy
from lti_tool.lti.models import ResourceLink
from lti_tool.simulation import Case


@dataclass(frozen=True, slots=True)
class DecisionView:
    stats: stats.DecisionStats
    chart: Chart
    variants: dict[str, Variant]


def decisions(case: Case, attempts: list[Attempt]) -> list[DecisionView]:
    found = []
    for decision in stats.decision_stats(case, attempts):
        node = case.nodes[decision.node_id]
        texts = {c.id: case_text.text(case, f"{node.id}/{c.id}/text", c.text)
                 for c in node.choices}  # fmt: skip
        found.append(DecisionView(decision, option_chart(decision, node), variants(node, texts)))
    return found


def dashboard_context(session: Session, link: ResourceLink, case: Case,
                      roster: list[Member] | None, view: TableView) -> dict[str, Any]:  # fmt: skip
    policy = AttemptPolicy.from_settings(link.settings)
    mark = policy.pass_mark_share(case.pass_mark)
    attempts = stats.counted_attempts(session, link.id)
    rows = stats.learner_rows(session, link.id, attempts, roster, link.platform_id)
    mark_passed(rows, graded(attempts, policy.grade_from), mark)
    states = (stats.NOT_STARTED, "in_progress", "completed")
    return {
        "policy": policy,
        "pass_mark": mark,
        "all_rows": len(rows),
        "rows": view.apply(rows),
        "view": view,
        "results": class_results(case, attempts, policy.grade_from, mark),
        "decisions": decisions(case, attempts),
        "missed": stats.missed_indicators(case, attempts),
        "counts": {state: sum(1 for r in rows if r.status == state) for state in states},
    }
