"""The URL map of the reminders domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.reminders import views

reminders = Blueprint("reminders", __name__)

reminders.app_context_processor(views.unread_notifications)
reminders.add_url_rule("/a-faire", view_func=views.todo)
reminders.add_url_rule("/a-faire/<int:deadline_id>/fait", methods=["POST"], view_func=views.deadline_done)
reminders.add_url_rule("/notifications", view_func=views.inbox)
reminders.add_url_rule("/notifications/<int:notification_id>/lue", methods=["POST"], view_func=views.mark_read)
reminders.add_url_rule("/notifications/tout-lu", methods=["POST"], view_func=views.mark_all_read)
reminders.add_url_rule("/preferences/notifications", methods=["GET", "POST"], view_func=views.preferences)
reminders.add_url_rule("/admin/reminders", view_func=views.admin_list)
reminders.add_url_rule("/admin/outbox", view_func=views.outbox)
reminders.add_url_rule("/admin/outbox/<int:message_id>", view_func=views.outbox_message)
