"""The pages every State site links from its footer (DSFR): mentions légales, données personnelles
and the déclaration d'accessibilité. Public: readable without an account."""
from flask import render_template

from portfolio.accounts.access import public

#: No audit of the RGAA criteria has been made yet: the site is "non conforme" until one is.
ACCESSIBILITY_STATUS = "non conforme"


@public
def legal_notice():
    return render_template("core/legal_notice.html")


@public
def personal_data():
    return render_template("core/personal_data.html")


@public
def accessibility():
    return render_template("core/accessibility.html", status=ACCESSIBILITY_STATUS)
