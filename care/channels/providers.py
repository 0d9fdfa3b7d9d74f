"""What the notification channels give the lower layers: the SMS provider layer sends account activation codes
for access.activation (issue 18), which may not import care."""

from __future__ import annotations


def register() -> None:
    from access import activation
    from care.channels import sms

    activation.register_code_sender(sms.send_code)
