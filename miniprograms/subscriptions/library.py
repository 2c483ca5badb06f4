"""The public template library every tenant starts with (``services.template_library_ensure``).

Titles and keywords follow what super apps' public libraries offer (WeChat, Alipay+). Long-term
templates are for public services (government, transport, medical, education, finance), as the
seed documents say; the others are one-time.
"""

from __future__ import annotations

from dataclasses import dataclass

ONE, LONG = "one_time", "long_term"


@dataclass(frozen=True)
class SeedTemplate:
    title: str
    category: str
    kind: str
    keywords: tuple[str, ...]


TEMPLATES: tuple[SeedTemplate, ...] = (
    # orders
    SeedTemplate(
        "Order confirmed",
        "Orders",
        ONE,
        ("Order number", "Product", "Quantity", "Amount", "Order time", "Store", "Remarks"),
    ),
    SeedTemplate(
        "Order shipped",
        "Orders",
        ONE,
        (
            "Order number",
            "Product",
            "Carrier",
            "Tracking number",
            "Shipping time",
            "Recipient",
            "Address",
        ),
    ),
    SeedTemplate(
        "Order cancelled",
        "Orders",
        ONE,
        (
            "Order number",
            "Product",
            "Amount",
            "Cancellation reason",
            "Cancelled at",
            "Refund method",
        ),
    ),
    SeedTemplate(
        "Refund processed",
        "Orders",
        ONE,
        (
            "Order number",
            "Refund amount",
            "Refund method",
            "Refund time",
            "Product",
            "Reason",
            "Arrival time",
        ),
    ),
    SeedTemplate(
        "Pickup reminder",
        "Orders",
        ONE,
        (
            "Order number",
            "Pickup code",
            "Store",
            "Store address",
            "Pickup deadline",
            "Product",
            "Phone",
        ),
    ),
    SeedTemplate(
        "Review invitation",
        "Orders",
        ONE,
        ("Order number", "Product", "Purchase time", "Store", "Reward", "Remarks"),
    ),
    # delivery
    SeedTemplate(
        "Delivery on the way",
        "Delivery",
        ONE,
        (
            "Order number",
            "Courier",
            "Courier phone",
            "Estimated arrival",
            "Address",
            "Items",
            "Remarks",
        ),
    ),
    SeedTemplate(
        "Delivered",
        "Delivery",
        ONE,
        ("Order number", "Delivered at", "Receiver", "Address", "Courier", "Items"),
    ),
    SeedTemplate(
        "Parcel arrived at locker",
        "Delivery",
        ONE,
        (
            "Tracking number",
            "Locker location",
            "Pickup code",
            "Arrival time",
            "Pickup deadline",
            "Carrier",
        ),
    ),
    SeedTemplate(
        "Delivery delayed",
        "Delivery",
        ONE,
        (
            "Order number",
            "Original time",
            "New estimated time",
            "Reason",
            "Courier phone",
            "Address",
        ),
    ),
    SeedTemplate(
        "Food order ready",
        "Delivery",
        ONE,
        ("Order number", "Restaurant", "Dishes", "Pickup number", "Ready at", "Remarks"),
    ),
    # travel
    SeedTemplate(
        "Flight status update",
        "Travel",
        LONG,
        (
            "Flight number",
            "Departure",
            "Destination",
            "Scheduled time",
            "Estimated time",
            "Gate",
            "Status",
            "Seat",
            "Reason",
        ),
    ),
    SeedTemplate(
        "Check-in reminder",
        "Travel",
        ONE,
        (
            "Flight number",
            "Departure time",
            "Departure airport",
            "Terminal",
            "Passenger",
            "Check-in deadline",
        ),
    ),
    SeedTemplate(
        "Train ticket issued",
        "Travel",
        ONE,
        (
            "Train number",
            "Departure station",
            "Arrival station",
            "Departure time",
            "Seat",
            "Passenger",
            "Amount",
            "Order number",
        ),
    ),
    SeedTemplate(
        "Hotel booking confirmed",
        "Travel",
        ONE,
        (
            "Hotel",
            "Room type",
            "Check-in date",
            "Check-out date",
            "Guests",
            "Amount",
            "Address",
            "Phone",
        ),
    ),
    SeedTemplate(
        "Ride arriving",
        "Travel",
        ONE,
        (
            "Driver",
            "Plate number",
            "Car model",
            "Pickup point",
            "Estimated arrival",
            "Driver phone",
        ),
    ),
    SeedTemplate(
        "Bus arrival alert",
        "Transport",
        LONG,
        ("Line", "Stop", "Estimated arrival", "Stops away", "Direction", "Remarks"),
    ),
    # payments and finance
    SeedTemplate(
        "Payment successful",
        "Payments",
        ONE,
        (
            "Amount",
            "Merchant",
            "Payment method",
            "Payment time",
            "Order number",
            "Product",
            "Transaction id",
        ),
    ),
    SeedTemplate(
        "Payment failed",
        "Payments",
        ONE,
        ("Amount", "Merchant", "Reason", "Payment time", "Order number", "Payment method"),
    ),
    SeedTemplate(
        "Bill due reminder",
        "Finance",
        LONG,
        (
            "Bill",
            "Amount due",
            "Due date",
            "Minimum payment",
            "Account",
            "Billing period",
            "Remarks",
        ),
    ),
    SeedTemplate(
        "Repayment received",
        "Finance",
        LONG,
        ("Account", "Amount", "Repayment time", "Remaining balance", "Next due date", "Remarks"),
    ),
    SeedTemplate(
        "Account balance change",
        "Finance",
        LONG,
        ("Account", "Change", "Balance", "Time", "Type", "Counterparty", "Remarks"),
    ),
    # government services
    SeedTemplate(
        "Application progress",
        "Government services",
        LONG,
        (
            "Application",
            "Application number",
            "Applicant",
            "Status",
            "Updated at",
            "Office",
            "Next step",
            "Remarks",
        ),
    ),
    SeedTemplate(
        "Appointment confirmed",
        "Government services",
        ONE,
        (
            "Service",
            "Office",
            "Address",
            "Appointment time",
            "Applicant",
            "Queue number",
            "Documents to bring",
        ),
    ),
    SeedTemplate(
        "Document ready for collection",
        "Government services",
        LONG,
        (
            "Document",
            "Applicant",
            "Office",
            "Address",
            "Collection deadline",
            "Opening hours",
            "Remarks",
        ),
    ),
    SeedTemplate(
        "Traffic violation notice",
        "Government services",
        LONG,
        ("Plate number", "Violation", "Location", "Time", "Fine", "Points", "Deadline"),
    ),
    SeedTemplate(
        "Tax filing reminder",
        "Government services",
        LONG,
        ("Tax type", "Period", "Filing deadline", "Amount", "Taxpayer", "Remarks"),
    ),
    # medical
    SeedTemplate(
        "Doctor appointment reminder",
        "Medical",
        LONG,
        (
            "Patient",
            "Hospital",
            "Department",
            "Doctor",
            "Appointment time",
            "Queue number",
            "Address",
            "Remarks",
        ),
    ),
    SeedTemplate(
        "Test results available",
        "Medical",
        LONG,
        ("Patient", "Test", "Hospital", "Report time", "Result", "Remarks"),
    ),
    # education
    SeedTemplate(
        "Class schedule change",
        "Education",
        LONG,
        ("Course", "Teacher", "Original time", "New time", "Classroom", "Reason", "Student"),
    ),
    SeedTemplate(
        "Exam result published",
        "Education",
        LONG,
        ("Student", "Exam", "Score", "Rank", "Published at", "Remarks"),
    ),
    # membership and activities
    SeedTemplate(
        "Points earned",
        "Membership",
        ONE,
        ("Member", "Points earned", "Points balance", "Reason", "Time", "Expiry date"),
    ),
    SeedTemplate(
        "Coupon expiring",
        "Membership",
        ONE,
        ("Coupon", "Value", "Expiry date", "Conditions", "Store", "Remarks"),
    ),
    SeedTemplate(
        "Event registration confirmed",
        "Activities",
        ONE,
        ("Event", "Time", "Venue", "Participant", "Ticket number", "Organizer", "Remarks"),
    ),
    SeedTemplate(
        "Booking reminder",
        "Activities",
        ONE,
        ("Service", "Store", "Booking time", "Customer", "Address", "Phone", "Remarks"),
    ),
)
