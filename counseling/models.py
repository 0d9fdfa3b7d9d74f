"""Models of the counseling app."""

# --- District counseling centre and 24-hour messages (R4.2) — engineer "centre" ---------------------------------
from counseling.centre.models import (  # noqa: F401
    CalendarDay,
    DutyShift,
    HotlineCall,
    Message,
    MessageReply,
)
