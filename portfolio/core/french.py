"""French wording shared by pages, messages and commands: a number with its noun, singular or plural."""
from portfolio.startups.charts import format_number


def counted(number: int | None, singular: str, plural: str | None = None, none: str | None = None) -> str:
    """"0 compte", "1 compte", "3 comptes", "1 200 événements": French takes the singular below 2.
    `plural` is for words that do not just take an s ("3 lignes modifiées" is given whole); `none`
    is said instead of zero when given ("Aucune décision à enregistrer")."""
    number = number or 0
    if number == 0 and none is not None:
        return none
    if number < 2:
        words = singular
    else:
        words = plural or " ".join(word if word.endswith(("s", "x", "z")) else word + "s" for word in singular.split(" "))
    return f"{format_number(number)} {words}"


def init_app(app) -> None:
    app.jinja_env.filters["counted"] = counted
