"""Models of the counseling app, defined in its sub-domains and re-exported here so Django finds them under the app
label ``counseling``: the district counseling centre and its 24-hour messages (R4.2, ``counseling.centre.models``)
and the school counseling room (R4.3, R1.3, R4.1, ``counseling.rooms.models``)."""

from counseling.centre.models import *  # noqa: F403
from counseling.rooms.models import *  # noqa: F403
