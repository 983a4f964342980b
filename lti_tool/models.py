"""Every table of the tool's schema, for Alembic (the sandbox platform's tables are not here)."""

from lti_tool.admin import models as admin_models
from lti_tool.db import Base
from lti_tool.grading import models as grading_models
from lti_tool.learner import models as learner_models
from lti_tool.lti import models as lti_models
from lti_tool.records import models as record_models
from lti_tool.throttle import ThrottleCounter

metadata = Base.metadata

__all__ = [
    "ThrottleCounter",
    "admin_models",
    "grading_models",
    "learner_models",
    "lti_models",
    "metadata",
    "record_models",
]
