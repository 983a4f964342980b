"""The simulation engine: case files in, learner states, scores and debriefs out.

Pure Python: it imports neither Flask, SQLAlchemy nor pylti1p3, and nothing else of the
application (``tests/test_boundaries.py`` checks this).
"""

from lti_tool.simulation.debriefing import Debrief
from lti_tool.simulation.debriefing import DebriefStep
from lti_tool.simulation.debriefing import debrief
from lti_tool.simulation.engine import choose
from lti_tool.simulation.engine import decisions_up_to
from lti_tool.simulation.engine import is_finished
from lti_tool.simulation.engine import offered_choices
from lti_tool.simulation.engine import shown_path
from lti_tool.simulation.engine import start
from lti_tool.simulation.errors import CaseFinished
from lti_tool.simulation.errors import ChoiceNotOffered
from lti_tool.simulation.errors import StateInvalid
from lti_tool.simulation.loader import check_file
from lti_tool.simulation.loader import load_case
from lti_tool.simulation.loader import load_library
from lti_tool.simulation.model import Case
from lti_tool.simulation.model import Choice
from lti_tool.simulation.model import Ending
from lti_tool.simulation.model import Media
from lti_tool.simulation.model import Node
from lti_tool.simulation.model import Source
from lti_tool.simulation.problems import CaseInvalid
from lti_tool.simulation.problems import Problem
from lti_tool.simulation.scoring import Score
from lti_tool.simulation.scoring import score
from lti_tool.simulation.state import State
from lti_tool.simulation.state import Step
from lti_tool.simulation.texts import TextItem
from lti_tool.simulation.texts import iter_texts

__all__ = [
    "Case",
    "CaseFinished",
    "CaseInvalid",
    "Choice",
    "ChoiceNotOffered",
    "Debrief",
    "DebriefStep",
    "Ending",
    "Media",
    "Node",
    "Problem",
    "Score",
    "Source",
    "State",
    "StateInvalid",
    "Step",
    "TextItem",
    "check_file",
    "choose",
    "debrief",
    "decisions_up_to",
    "is_finished",
    "iter_texts",
    "load_case",
    "load_library",
    "offered_choices",
    "score",
    "shown_path",
    "start",
]
