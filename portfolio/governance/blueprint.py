"""The URL map of the governance domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.governance import agenda_views, calendar_views, next_views, past_views, review_views, views

governance_calendar = Blueprint("governance_calendar", __name__)
governance_next = Blueprint("governance_next", __name__, url_prefix="/governance")
governance = Blueprint("governance", __name__, url_prefix="/governance")

governance_calendar.add_url_rule("/governance/meetings/<int:meeting_id>.ics", view_func=calendar_views.meeting_ics)
governance_calendar.add_url_rule("/governance/calendar", view_func=calendar_views.my_calendar)
governance_calendar.add_url_rule("/governance/calendar/token", methods=["POST"], view_func=calendar_views.token_create)
governance_calendar.add_url_rule("/governance/calendar/token/revoke", methods=["GET", "POST"], view_func=calendar_views.token_revoke)
governance_calendar.add_url_rule("/calendar/<token>.ics", view_func=calendar_views.feed)

governance_next.add_url_rule("/next-committees", view_func=next_views.next_committees)
governance_next.add_url_rule("/next-committees.csv", view_func=next_views.next_committees_csv)
governance_next.add_url_rule("/next-committees/export.xlsx", view_func=next_views.next_committees_xlsx)

governance.add_url_rule("/meetings/<int:meeting_id>/participants/new", methods=["GET", "POST"], view_func=agenda_views.participant_add)
governance.add_url_rule("/meetings/<int:meeting_id>/participants/<int:participant_id>/remove", methods=["GET", "POST"], view_func=agenda_views.participant_remove)
governance.add_url_rule("/meetings/<int:meeting_id>/reviews/new", methods=["GET", "POST"], view_func=agenda_views.review_add)
governance.add_url_rule("/meetings/<int:meeting_id>/attendance", methods=["GET", "POST"], view_func=agenda_views.attendance)
governance.add_url_rule("/meetings/past/new", methods=["GET", "POST"], view_func=past_views.meeting_record_past)
governance.add_url_rule("/reviews/<int:review_id>/slots", methods=["GET", "POST"], view_func=review_views.review_slots)
governance.add_url_rule("/reviews/<int:review_id>/move", methods=["POST"], view_func=review_views.review_move)
governance.add_url_rule("/reviews/<int:review_id>/remove", methods=["GET", "POST"], view_func=review_views.review_remove)
governance.add_url_rule("/reviews/<int:review_id>/preparation", methods=["GET", "POST"], view_func=review_views.preparation)
governance.add_url_rule("/reviews/<int:review_id>/minutes", methods=["GET", "POST"], view_func=review_views.review_minutes)
governance.add_url_rule("/reviews/<int:review_id>/decision", methods=["GET", "POST"], view_func=review_views.decision)
governance.add_url_rule("/reviews/<int:review_id>/validate", methods=["GET", "POST"], view_func=review_views.decision_validate)
governance.add_url_rule("/follow-ups/<int:action_id>/status", methods=["POST"], view_func=review_views.follow_up_status)
governance.add_url_rule("/reviews/<int:review_id>/health", methods=["GET", "POST"], view_func=review_views.review_health)
# A global, not a context processor: fragments rendered from their values alone read it too.
governance.record_once(lambda state: state.app.jinja_env.globals.update(governance_labels=views.LABELS))
governance.add_url_rule("/meetings", view_func=views.meeting_list)
governance.add_url_rule("/meetings/new", methods=["GET", "POST"], view_func=views.meeting_schedule)
governance.add_url_rule("/meetings/<int:meeting_id>/edit", methods=["GET", "POST"], view_func=views.meeting_edit)
governance.add_url_rule("/meetings/<int:meeting_id>", view_func=views.meeting_detail)
governance.add_url_rule("/meetings/<int:meeting_id>/pack", view_func=views.pack)
governance.add_url_rule("/meetings/<int:meeting_id>/pack.pdf", view_func=views.pack_pdf)
governance.add_url_rule("/meetings/<int:meeting_id>/send", methods=["GET", "POST"], view_func=views.pack_send)
governance.add_url_rule("/meetings/<int:meeting_id>/cancel", methods=["GET", "POST"], view_func=views.meeting_cancel)
governance.add_url_rule("/meetings/<int:meeting_id>/close", methods=["GET", "POST"], view_func=views.meeting_close)
