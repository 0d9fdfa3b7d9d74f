"""Models of the schoolwork app, by sub-domain (each sub-domain's models live in its own package; re-exported
here so that Django finds them under the app label ``schoolwork``).

- Lessons, key times, staff training, five educations (R2.2, R3, R6–R8): ``schoolwork.programs.models``.
- Home–school work and governance — home visits, parent sessions, guardians, governance, attachments (R9–R11,
  R14, R17): ``schoolwork.home.models``.
- Mental-health funding — budget lines, district allocations (R16): ``schoolwork.funding.models``.
"""

from schoolwork.funding.models import *  # noqa: F403
from schoolwork.home.models import *  # noqa: F403
from schoolwork.programs.models import *  # noqa: F403
