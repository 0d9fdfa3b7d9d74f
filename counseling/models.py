"""Models of the counseling app."""

# --- District counseling centre and 24-hour messages (R4.2) — engineer "centre" ---------------------------------
from counseling.centre.models import (  # noqa: F401
    CalendarDay,
    CentreVisit,
    DutyShift,
    HotlineCall,
    Message,
    MessageReply,
    OnlineLine,
    OnlineSession,
)

# --- School counseling room (R4.3, R1.3, R4.1) — engineer "room" --------------------------------------------------
from counseling.rooms.models import (  # noqa: F401
    Appointment,
    ConfidentialityBreak,
    CounselingRoom,
    CounselingSession,
    DistrictLinks,
    OpeningHours,
    RoomDutyShift,
    Slot,
)
