"""How the tool names and describes itself to a platform's administrators (Canvas's
configuration URL and LTI Dynamic Registration): in English, as LMS registrations are."""

from __future__ import annotations

TITLE = "AMELIE case simulations"
DESCRIPTION = (
    "Interactive branching case simulations from the AMELIE programme, for health professionals:"
    " recognising the indicators of trafficking in human beings, speaking with the patient"
    " safely, and referring. In English, Greek, Italian, German, Dutch and French; scores go to"
    " the gradebook."
)
# Canvas: Modules › Add item › External tool, and Assignments › Submission type › External tool.
CANVAS_DEEP_LINKING_PLACEMENTS = ("link_selection", "assignment_selection")
