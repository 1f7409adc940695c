"""Case and accent folding, the same in Python (`fold_text`) and in SQL (`folded`), so that names
are searched and sorted regardless of case and accents ("Économie" as "economie").

PostgreSQL folds with translate() and lower(); SQLite has neither Unicode lower() nor translate()
(and too many nested replace() calls overflow its parser), so its connections get
`portfolio_fold`, which is `fold_text` itself (`install_text_folding`).
"""
from sqlalchemy import Engine, String, event, func, literal
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

_FOLDS = {
    "a": "àáâãäåÀÁÂÃÄÅ",
    "c": "çÇ",
    "e": "èéêëÈÉÊË",
    "i": "ìíîïÌÍÎÏ",
    "n": "ñÑ",
    "o": "òóôõöÒÓÔÕÖ",
    "u": "ùúûüÙÚÛÜ",
    "y": "ýÿÝŸ",
    "oe": "œŒ",
    "ae": "æÆ",
    "'": "’‘",
}
_FOLD_TABLE = str.maketrans({variant: plain for plain, variants in _FOLDS.items() for variant in variants})
_SINGLE_FOLDS = [(variants, plain * len(variants)) for plain, variants in _FOLDS.items() if len(plain) == 1]
_DOUBLE_FOLDS = [(variant, plain) for plain, variants in _FOLDS.items() if len(plain) > 1 for variant in variants]


def fold_text(text: str) -> str:
    """`text` without case nor accents, as `folded` computes it in SQL."""
    return text.translate(_FOLD_TABLE).lower()


class _Folded(FunctionElement):
    type = String()
    name = "portfolio_fold"
    inherit_cache = True


def folded(expression) -> _Folded:
    """SQL: `expression` without case nor accents (see `fold_text`)."""
    return _Folded(expression)


@compiles(_Folded, "sqlite")
def _fold_on_sqlite(element, compiler, **kw):
    return f"portfolio_fold({compiler.process(element.clauses, **kw)})"


@compiles(_Folded, "postgresql")
def _fold_on_postgresql(element, compiler, **kw):
    expression = element.clauses.clauses[0]
    for variant, plain in _DOUBLE_FOLDS:
        expression = func.replace(expression, literal(variant), literal(plain))
    expression = func.translate(
        expression,
        literal("".join(variants for variants, _ in _SINGLE_FOLDS)),
        literal("".join(plains for _, plains in _SINGLE_FOLDS)),
    )
    return compiler.process(func.lower(expression), **kw)


def install_text_folding(engine: Engine) -> None:
    """Give the SQLite connections of `engine` the `portfolio_fold` function (nothing to do elsewhere)."""
    if engine.dialect.name == "sqlite" and not event.contains(engine, "connect", _add_fold_function):
        event.listen(engine, "connect", _add_fold_function)


def _add_fold_function(dbapi_connection, connection_record) -> None:
    dbapi_connection.create_function(
        "portfolio_fold", 1, lambda text: None if text is None else fold_text(text), deterministic=True
    )
