"""The URL map of the funding domain: each address and the view that answers it."""
from flask import Blueprint

from portfolio.funding import annex_views, edit_views, report_views, views

funding_reports = Blueprint("funding_reports", __name__, url_prefix="/funding")
funding = Blueprint("funding", __name__, url_prefix="/funding")

funding_reports.add_url_rule("/conventions/<int:convention_id>/annex", methods=["GET", "POST"], view_func=annex_views.annex_import)
funding_reports.add_url_rule("/conventions/<int:convention_id>/reports", view_func=report_views.report_list)
funding_reports.add_url_rule("/conventions/<int:convention_id>/reports/<quarter>", methods=["GET", "POST"], view_func=report_views.report_file)

funding.add_url_rule("/conventions/new", methods=["GET", "POST"], view_func=edit_views.convention_create)
funding.add_url_rule("/conventions/<int:convention_id>/edit", methods=["GET", "POST"], view_func=edit_views.convention_edit)
funding.add_url_rule("/conventions/<int:convention_id>/status", methods=["GET", "POST"], view_func=edit_views.status_change)
funding.add_url_rule("/conventions/<int:convention_id>/document", methods=["GET", "POST"], view_func=edit_views.document_upload)
funding.add_url_rule("/conventions/<int:convention_id>/parties/new", methods=["GET", "POST"], view_func=edit_views.party_add)
funding.add_url_rule("/conventions/<int:convention_id>/parties/<int:party_id>/edit", methods=["GET", "POST"], view_func=edit_views.party_edit)
funding.add_url_rule("/conventions/<int:convention_id>/parties/<int:party_id>/remove", methods=["GET", "POST"], view_func=edit_views.party_remove)
funding.add_url_rule("/conventions/<int:convention_id>/obligations/new", methods=["GET", "POST"], view_func=edit_views.obligation_form)
funding.add_url_rule("/conventions/<int:convention_id>/obligations/<int:obligation_id>/edit", methods=["GET", "POST"], view_func=edit_views.obligation_form)
funding.add_url_rule("/conventions/<int:convention_id>/obligations/<int:obligation_id>/remove", methods=["GET", "POST"], view_func=edit_views.obligation_remove)
funding.add_url_rule("/conventions/<int:convention_id>/lines/new", methods=["GET", "POST"], view_func=edit_views.line_form)
funding.add_url_rule("/conventions/<int:convention_id>/lines/<int:line_id>/edit", methods=["GET", "POST"], view_func=edit_views.line_form)
funding.add_url_rule("/conventions/<int:convention_id>/amendments/new", methods=["GET", "POST"], view_func=edit_views.amendment_add)
funding.record_once(views._install_labels)
funding.add_url_rule("/", view_func=views.convention_list)
funding.add_url_rule("/conventions/<int:convention_id>", view_func=views.convention_detail)
funding.add_url_rule("/conventions/<int:convention_id>/document.pdf", view_func=views.document_download)
funding.add_url_rule("/warnings", view_func=views.warning_list)
funding.add_url_rule("/lines.csv", view_func=views.lines_csv)
funding.add_url_rule("/lines/export.xlsx", view_func=views.lines_xlsx)
funding.add_url_rule("/conventions.csv", view_func=views.conventions_csv)
funding.add_url_rule("/conventions/export.xlsx", view_func=views.conventions_xlsx)
funding.add_url_rule("/grants.csv", view_func=views.grants_csv)
funding.add_url_rule("/grants/export.xlsx", view_func=views.grants_xlsx)
